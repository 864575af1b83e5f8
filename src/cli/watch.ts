// Copyright 2026 the raftsnap authors. Apache-2.0 license.

/** `raftsnap watch SOURCE`: verify every stored backup, again and again. @module */

import {
  type AlertMessage,
  type CatalogStorage,
  FileCatalogStorage,
  FolderSource,
  formatDuration,
  JsonCatalog,
  metricsText,
  parseDuration,
  postAlert,
  S3Source,
  type SnapshotSource,
  SourceError,
  statusHtml,
  type WatchCounters,
  watchOnce,
  type WatchReport,
} from "../../mod.ts";
import { type CommandSpec, type ParsedArgs, UsageError } from "./args.ts";
import { EXIT, Interrupted } from "./errors.ts";
import { type Context, loadSealer, readOptions } from "./io.ts";
import { runtime } from "./runtime/runtime.ts";
import { READ_FLAGS } from "./verify.ts";

const duration = (value: string) => void parseDuration(value);
const whole = (value: string) => {
  if (!/^\d+$/.test(value)) throw new RangeError(`must be a whole number, not ${value}`);
};

/** `raftsnap watch`'s flags and help. */
export const watchSpec: CommandSpec = {
  name: "watch",
  usage: ["watch [flags] SOURCE"],
  summary: "verify every stored backup, again and again; alerts, metrics, retention",
  description: [
    "SOURCE is a folder or s3://BUCKET[/PREFIX] (endpoint and credentials from AWS_ENDPOINT_URL, " +
    "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, as serve:edge reads them). Every *.snap " +
    "is verified when new or changed (ETag, size) and again once --reverify-after has passed; the " +
    "verdicts are kept in a catalog (.raftsnap-watch/catalog.json in the folder or under the prefix, " +
    "or --catalog FILE). Backups group into clusters by folder (or --cluster-pattern).",
    "With --once: one pass, exit 0 when all is good, 1 when a backup is bad or missing or a " +
    "cluster has no good backup younger than --max-age, 3 when the source cannot be read. " +
    "Without --once it runs a pass every --interval until stopped.",
    "Retention (--keep-last, --keep-within) applies per cluster among verified backups only and " +
    "never deletes a cluster's newest verified backup; it is a dry run unless --apply. Bad backups " +
    "are reported, moved aside only with --move-bad-to. Every deletion is logged on stderr.",
  ],
  flags: [
    { name: "once", help: "one pass, then exit (0 good, 1 bad or missing, 3 unreadable source)" },
    { name: "json", help: "print the report as one JSON document (one per pass)" },
    {
      name: "interval",
      value: "DURATION",
      help: "time between passes (default 1h)",
      check: duration,
    },
    {
      name: "reverify-after",
      value: "DURATION",
      help: "verify a backup again after this (default 7d; 0s: every pass)",
      check: duration,
    },
    {
      name: "max-age",
      value: "DURATION",
      help: "warn when a cluster's newest good backup is older",
      check: duration,
    },
    {
      name: "cluster-pattern",
      value: "REGEXP",
      help: "cluster name: the first group of this match on the key",
    },
    { name: "catalog", value: "FILE", help: "keep the catalog in this file" },
    { name: "concurrency", value: "N", help: "backups verified at once (default 4)", check: whole },
    {
      name: "metrics-port",
      value: "PORT",
      help: "serve Prometheus metrics on 127.0.0.1:PORT/metrics",
      check: whole,
    },
    {
      name: "webhook",
      value: "URL",
      help: "POST alerts here (Slack-compatible JSON), once per change",
    },
    { name: "status-html", value: "FILE", help: "write a status page here after each pass" },
    {
      name: "keep-last",
      value: "N",
      help: "retention: keep the newest N verified backups per cluster",
      check: whole,
    },
    {
      name: "keep-within",
      value: "DURATION",
      help: "retention: keep verified backups younger than this",
      check: duration,
    },
    { name: "apply", help: "retention: delete (and move) for real" },
    {
      name: "move-bad-to",
      value: "PREFIX",
      help: "retention: move bad backups under this key prefix",
    },
    ...READ_FLAGS,
  ],
  positionals: [1, 1],
  positionalNames: ["SOURCE"],
  examples: [
    ["watch --once /backups", "verify what is new or due, exit 1 if anything is bad"],
    [
      "watch --once --json --max-age 25h s3://raft-snapshots/consul/",
      "one pass over a bucket, the report as JSON",
    ],
    [
      "watch --metrics-port 9464 --webhook https://hooks.slack.com/... --status-html /var/www/raft.html /backups",
      "keep watching, with metrics, alerts and a status page",
    ],
    [
      "watch --once --keep-last 7 --keep-within 30d --apply /backups",
      "verify, then delete old verified backups",
    ],
  ],
};

/** The environment variables S3Source.fromEnv reads (the ones serve:edge reads). */
const S3_ENV = [
  "AWS_ENDPOINT_URL_S3",
  "AWS_ENDPOINT_URL",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_REGION",
  "AWS_DEFAULT_REGION",
];

function openSource(path: string): SnapshotSource & { catalogStorage(): CatalogStorage } {
  if (path.startsWith("s3://")) {
    const env = Object.fromEntries(S3_ENV.map((name) => [name, runtime().env(name)]));
    return S3Source.fromEnv(path, env);
  }
  return new FolderSource(path, runtime());
}

function summary(report: WatchReport): string {
  const lines: string[] = [];
  for (const c of report.clusters) {
    const name = c.cluster || "(top level)";
    const newest = c.newest
      ? `newest good ${c.newest.key} (Index ${c.newest.meta?.index ?? "?"}), ${
        formatDuration(c.ageMs ?? 0)
      } old`
      : "no good backup";
    lines.push(`${name}: ${c.good}/${c.backups} good, ${newest}`);
    for (const w of c.warnings) lines.push(`  warning (${w.code}): ${w.message}`);
    for (const f of c.failures) lines.push(`  bad: ${f.key}: ${f.code}: ${f.message ?? ""}`);
  }
  for (const o of report.objects) {
    if (o.code === "missing") lines.push(`missing: ${o.key} (was catalogued, is gone)`);
  }
  const t = report.totals;
  lines.push(
    `${
      report.ok ? "ok" : "NOT OK"
    }: ${t.objects} backups, ${t.ok} good, ${t.bad} bad, ${t.missing} missing; ` +
      `${t.verified} verified now (${t.bytesVerified} bytes)`,
  );
  return lines.join("\n") + "\n";
}

/** Runs `raftsnap watch`. */
export async function watchCommand(ctx: Context, args: ParsedArgs): Promise<number> {
  const f = args.flags;
  const str = (name: string) => typeof f[name] === "string" ? f[name] as string : undefined;
  const ms = (name: string) => str(name) === undefined ? undefined : parseDuration(str(name)!);
  const int = (name: string) => str(name) === undefined ? undefined : Number(str(name));
  if (
    (f.apply || str("move-bad-to")) && int("keep-last") === undefined &&
    ms("keep-within") === undefined &&
    !str("move-bad-to")
  ) {
    throw new UsageError("--apply needs --keep-last, --keep-within or --move-bad-to", watchSpec);
  }
  let pattern: RegExp | undefined;
  if (str("cluster-pattern")) {
    try {
      pattern = new RegExp(str("cluster-pattern")!);
    } catch (error) {
      throw new UsageError(`--cluster-pattern: ${(error as Error).message}`, watchSpec);
    }
  }
  const sourcePath = args.positionals[0]!;
  let source: ReturnType<typeof openSource>;
  try {
    source = openSource(sourcePath);
  } catch (error) {
    throw new UsageError((error as Error).message, watchSpec);
  }
  const sealer = await loadSealer(args.flags["sealer-key"]);
  const read = readOptions(ctx, args, sealer);
  const owner = crypto.randomUUID(); // this watcher, in the catalog's claims
  const retention =
    int("keep-last") !== undefined || ms("keep-within") !== undefined || str("move-bad-to")
      ? {
        keepLast: int("keep-last"),
        keepWithinMs: ms("keep-within"),
        apply: f.apply === true,
        moveBadTo: str("move-bad-to"),
        owner,
      }
      : undefined;
  const counters: WatchCounters = {
    passes: 0,
    failedPasses: 0,
    verifiedObjects: 0,
    verifiedBytes: 0,
  };
  let last: WatchReport | undefined;
  const server = str("metrics-port") === undefined ? undefined : await runtime().serve(
    { port: int("metrics-port")! },
    (request) => {
      if (new URL(request.url).pathname !== "/metrics") {
        return new Response("not found\n", { status: 404 });
      }
      if (!last) return new Response("no pass finished yet\n", { status: 503 });
      return new Response(metricsText(last, counters), {
        headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" },
      });
    },
  );
  if (server) ctx.err(`raftsnap watch: metrics on http://127.0.0.1:${server.port}/metrics\n`);

  const pass = async (): Promise<number> => {
    const catalogFile = str("catalog");
    const storage = catalogFile
      ? new FileCatalogStorage(catalogFile, runtime())
      : source.catalogStorage();
    const catalog = new JsonCatalog(storage);
    counters.passes++;
    let report: WatchReport;
    try {
      report = await watchOnce(source, catalog, {
        hasher: read.hasher,
        sealer: read.sealer,
        allowZeroPadding: read.allowZeroPadding,
        limits: read.limits,
        reverifyAfterMs: ms("reverify-after") ?? 7 * 86_400_000,
        maxAgeMs: ms("max-age"),
        clusterPattern: pattern,
        concurrency: int("concurrency"),
        retention,
        owner,
        log: (line) => ctx.err(`raftsnap watch: ${line}\n`),
        deliverAlerts: str("webhook") ? (alerts) => sendAlerts(str("webhook")!, alerts) : undefined,
        signal: ctx.signal,
      });
    } catch (error) {
      if (error instanceof SourceError) {
        counters.failedPasses++;
        ctx.err(`raftsnap watch: ${error.message}\n`);
        return EXIT.io;
      }
      throw error;
    }
    last = report;
    counters.verifiedObjects += report.totals.verified;
    counters.verifiedBytes += report.totals.bytesVerified;
    ctx.out(f.json ? JSON.stringify(report) + "\n" : summary(report));
    if (str("status-html")) {
      const path = str("status-html")!;
      const temp = `${path}.${crypto.randomUUID()}.tmp`;
      await runtime().writeFile(temp, new TextEncoder().encode(statusHtml(report)));
      await runtime().rename(temp, path);
    }
    return report.ok ? EXIT.ok : EXIT.bad;
  };

  try {
    if (f.once) return await pass();
    const interval = ms("interval") ?? 3_600_000;
    for (;;) {
      await pass();
      await sleep(interval, ctx.signal);
    }
  } catch (error) {
    if (!f.once && error instanceof Interrupted) return EXIT.ok;
    throw error;
  } finally {
    await server?.close();
  }
}

/** Posts each alert; rejects after trying them all if any failed (they are sent again next pass). */
async function sendAlerts(url: string, alerts: AlertMessage[]): Promise<void> {
  const failed: string[] = [];
  for (const alert of alerts) {
    try {
      await postAlert(url, alert, { signal: AbortSignal.timeout(30_000) });
    } catch (error) {
      failed.push(`${alert.event} ${alert.subject}: ${(error as Error).message}`);
    }
  }
  if (failed.length > 0) throw new Error(`the webhook refused ${failed.join("; ")}`);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    signal.throwIfAborted();
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", stop);
      resolve();
    }, ms);
    const stop = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener("abort", stop, { once: true });
  });
}
