-- The Worker's own tables (examples/cloudflare-watch/src/worker.js), beside the catalog's.
-- watch_pending: snapshots queued for verification and not yet verified (a sweep does not
--   queue them again for an hour), with the attempts and the last error of a failing one.
-- watch_dead_letters: snapshots whose messages kept failing and went to the dead-letter
--   queue; cleared when one verifies.
-- watch_counters: running totals for the metrics (verifications, bytes verified).
CREATE TABLE IF NOT EXISTS watch_pending (
  key TEXT PRIMARY KEY,
  etag TEXT NOT NULL,
  queued_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT
);
CREATE TABLE IF NOT EXISTS watch_dead_letters (
  key TEXT PRIMARY KEY,
  attempts INTEGER NOT NULL,
  error TEXT,
  failed_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS watch_counters (
  name TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);
