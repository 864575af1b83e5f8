-- The catalog's tables: D1_CATALOG_SCHEMA of src/edge/d1_catalog.ts (a test keeps them equal).
CREATE TABLE IF NOT EXISTS raftsnap_records (
  key TEXT PRIMARY KEY,
  cluster TEXT NOT NULL,
  ok INTEGER NOT NULL,
  verified_at INTEGER NOT NULL,
  record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS raftsnap_records_cluster ON raftsnap_records (cluster);
CREATE TABLE IF NOT EXISTS raftsnap_claims (
  key TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  until INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS raftsnap_state (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
