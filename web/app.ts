// Copyright 2026 the raftsnap authors. Apache-2.0 license.
/// <reference lib="dom" />

/**
 * The inspector page: pick or drop a `.snap` (or name a file on this site), and it is
 * verified in this tab as a stream, with a progress bar and a Cancel button; then the
 * verdict, the metadata and entries, and the downloads. The page is a thin shell over the
 * library's public API: it re-implements no check.
 *
 * `deno task build:web` bundles this module (and the library) into `dist/web/app.mjs`.
 * It also exports {@linkcode renderInspect}, so tests can render a hand-built result.
 *
 * @module
 */

import {
  createAesGcmSealer,
  diffSnapshots,
  formatDiff,
  hashWasmSha256,
  type InspectResult,
  inspectSnapshot,
  parseSnapshot,
  redactSnapshot,
  type Sealer,
  type Sha256Factory,
  SnapshotError,
  type VerifyOptions,
  type VerifyResult,
  verifySnapshot,
} from "../mod.ts";
import { h } from "./_dom.ts";
import { explain } from "./explain.ts";
import { Comparison } from "./explorer/compare.ts";
import { Explorer } from "./explorer/explorer.ts";
import { renderTimeline, type TimelinePoint } from "./explorer/timeline.ts";
import { formatBytes, formatCount, formatDuration, formatRate } from "./format.ts";
import { type Progress, ProgressMeter } from "./progress.ts";
import { renderInspect } from "./render_inspect.ts";
import { renderVerify } from "./render_verify.ts";
import { chooseTarget, downloadBlob, type SaveTarget } from "./save.ts";
import { offerUpload } from "./upload.ts";

export { renderInspect };

/** A snapshot to check: a picked or dropped file, or a same-origin URL. */
interface Source {
  /** What the page calls it. */
  name: string;
  /** Its size in bytes, when known. */
  size: number | undefined;
  /** A fresh stream of its bytes (a download reads the source a second time). */
  open(signal: AbortSignal): Promise<ReadableStream<Uint8Array>>;
  /** A local file, which the explorer reads while it is verified (a URL: once verified). */
  local?: boolean;
}

/** What a check found. */
interface Checked {
  verify: VerifyResult;
  inspect?: InspectResult;
  /** Why the state could not be decoded, when the archive was verified without it. */
  inspectError?: unknown;
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

const drop = $<HTMLDivElement>("drop");
const fileInput = $<HTMLInputElement>("file");
const keyInput = $<HTMLInputElement>("key");
const keyError = $<HTMLParagraphElement>("key-error");
const urlForm = $<HTMLFormElement>("url-form");
const urlInput = $<HTMLInputElement>("url");
const work = $<HTMLElement>("work");
const workName = $<HTMLSpanElement>("work-name");
const workTitle = $<HTMLHeadingElement>("work-title");
const bar = $<HTMLProgressElement>("bar");
const workText = $<HTMLParagraphElement>("work-text");
const cancelButton = $<HTMLButtonElement>("cancel");
const resultSection = $<HTMLElement>("result");
const verdict = $<HTMLDivElement>("verdict");
const actions = $<HTMLDivElement>("actions");
const details = $<HTMLDivElement>("details");

/** What the verified snapshot's state holds, browsable (web/explorer/). */
const explorer = new Explorer($<HTMLElement>("explorer"));

/** The job in progress (a verification or a download), to cancel. */
let current: AbortController | undefined;

// Hashing runs on a module Worker. Its script is fetched once, now, and kept as a blob:
// URL, so that verifying still uses the worker after the network is gone (offline once
// loaded). If that fails, the library's own URL is used, and if the worker cannot start
// at all the library hashes on this thread: slower, same verdict.
let hasher: Sha256Factory = hashWasmSha256;
const workerReady = (async () => {
  const url = hashWasmSha256.workerUrl;
  if (!url || typeof Worker === "undefined") return;
  try {
    const response = await fetch(url);
    if (!response.ok) return;
    const script = new Blob([await response.arrayBuffer()], { type: "text/javascript" });
    hasher = Object.assign(() => hashWasmSha256(), {
      workerUrl: new URL(URL.createObjectURL(script)),
    });
  } catch {
    // Keep the default.
  }
})();

/**
 * Verifies the archive and decodes its state in one pass (`inspectSnapshot`). If the
 * archive verified but its state does not decode (a `SnapshotError` of layer `state`), or
 * inspecting fails in a way that is not a verdict on the archive (not a `SnapshotError`),
 * the archive is verified again on its own, so the page still gives the verdict.
 */
async function check(
  open: () => Promise<ReadableStream<Uint8Array>>,
  options: VerifyOptions,
): Promise<Checked> {
  try {
    const inspect = await inspectSnapshot(await open(), options);
    return { verify: inspect.verify!, inspect };
  } catch (error) {
    if (options.signal?.aborted) throw error;
    if (error instanceof SnapshotError && error.layer !== "state") throw error;
    return { verify: await verifySnapshot(await open(), options), inspectError: error };
  }
}

function showWork(title: string, name: string, total: number | undefined) {
  workTitle.firstChild!.textContent = `${title} `;
  workName.textContent = name;
  bar.removeAttribute("value");
  if (total !== undefined && total > 0) {
    bar.max = total;
    bar.value = 0;
  }
  workText.textContent = "Starting…";
  delete bar.dataset.done;
  work.hidden = false;
  cancelButton.disabled = false;
  cancelButton.focus();
}

function drawProgress(progress: Progress) {
  const { done, total, elapsed } = progress;
  if (total !== undefined && total > 0) bar.value = Math.min(done, total);
  const of = total === undefined ? "" : ` of ${formatBytes(total)}`;
  const percent = total ? ` (${Math.floor((done / total) * 100)}%)` : "";
  workText.textContent = `${formatBytes(done)}${of}${percent} · ${formatRate(done, elapsed)}`;
  bar.dataset.done = String(done);
}

/** Verdicts shown so far: `data-run` on the verdict tells a new one from the last. */
let runs = 0;

function showVerdict(kind: "ok" | "bad" | "cancelled", state: string, ...children: Node[]) {
  verdict.className = `verdict ${kind}`;
  verdict.dataset.verdict = state;
  verdict.dataset.run = String(++runs);
  delete verdict.dataset.code;
  verdict.replaceChildren(...children);
  resultSection.hidden = false;
  verdict.focus();
}

function keyedSealer(): Promise<Sealer | undefined> | undefined {
  const hex = keyInput.value.trim();
  keyError.hidden = true;
  keyInput.removeAttribute("aria-invalid");
  if (hex === "") return Promise.resolve(undefined);
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
    keyError.textContent = `The key must be 64 hex digits (32 bytes); this one has ${hex.length} ` +
      "characters.";
    keyError.hidden = false;
    keyInput.setAttribute("aria-invalid", "true");
    keyInput.focus();
    return undefined;
  }
  return createAesGcmSealer(hex);
}

async function verify(source: Source) {
  current?.abort();
  const sealerPromise = keyedSealer();
  if (sealerPromise === undefined) return;
  const sealer = await sealerPromise;
  await workerReady;
  const job = new AbortController();
  current = job;
  closeComparison();
  actions.replaceChildren();
  details.replaceChildren();
  resultSection.hidden = true;
  showWork("Verifying", source.name, source.size);
  // The explorer verifies what it reads too, hashing on this thread: the worker is the
  // verdict's.
  const explore = () =>
    explorer.open(source, { sealer, hasher: () => hashWasmSha256(), signal: job.signal });
  if (source.local) explore();
  else explorer.close();
  const meter = new ProgressMeter(source.size, drawProgress);
  const started = performance.now();
  try {
    let opened = 0;
    const { verify: result, inspect, inspectError } = await check(
      async () => {
        if (opened++ > 0) meter.restart(); // verifying again without the inspection
        const stream = await source.open(job.signal);
        if (source.size !== undefined) meter.total = bar.max = source.size; // a URL's length
        return stream.pipeThrough(meter.counter());
      },
      { sealer, hasher, checksum: true, signal: job.signal },
    );
    const { done } = meter.finish();
    showVerified(source, result, performance.now() - started, done, sealer);
    if (!source.local) explore();
    details.replaceChildren(renderVerify(result));
    if (inspect) details.append(renderInspect(inspect));
    if (inspectError !== undefined) {
      const why = inspectError instanceof Error ? inspectError.message : String(inspectError);
      details.append(
        h(
          "p",
          { class: "warning", "data-testid": "inspect-error" },
          `state.bin was not decoded: ${why}`,
        ),
      );
    }
  } catch (error) {
    const { done } = meter.finish();
    const ms = performance.now() - started;
    if (job.signal.aborted) showCancelled(done, source.size);
    else if (error instanceof SnapshotError) showFailed(source, error, ms);
    else showBroken(source.name, error);
    actions.append(againButton(source));
  } finally {
    if (current === job) current = undefined;
    work.hidden = true;
  }
}

function showVerified(
  source: Source,
  result: VerifyResult,
  ms: number,
  bytes: number,
  sealer: Sealer | undefined,
) {
  const checks = ["gzip", "tar", "entry names", "SHA256SUMS"];
  if (result.sealVerified) checks.push("SHA256SUMS.sealed");
  showVerdict(
    "ok",
    "verified",
    h("h2", {}, "✓ Verified"),
    h(
      "p",
      {},
      `${source.name} (${formatBytes(bytes)}) passed every check Go's snapshot.Verify makes ` +
        `(${checks.join(", ")}), in ${formatDuration(ms)} (${formatRate(bytes, ms)}).`,
    ),
    h(
      "p",
      {},
      `Snapshot ${result.meta.id || "(no ID)"} at index ${formatCount(result.meta.index)}, ` +
        `term ${formatCount(result.meta.term)}.`,
    ),
  );
  verdict.dataset.ms = String(Math.round(ms));
  verdict.dataset.bytes = String(bytes);

  const meta = result.entries.find((e) => e.name === "meta.json");
  const stateButton = h(
    "button",
    { type: "button", "data-testid": "download-state" },
    `Download state.bin (${formatBytes(result.stateSize)})`,
  );
  stateButton.addEventListener("click", () => downloadState(source, sealer, result));
  actions.replaceChildren(stateButton);
  if (result.sealed && !result.sealVerified) actions.append(againButton(source));
  if (meta?.content) {
    const metaButton = h(
      "button",
      { type: "button", class: "secondary", "data-testid": "download-meta" },
      "Download meta.json",
    );
    const bytes = meta.content;
    metaButton.addEventListener("click", () => {
      downloadBlob(new Blob([bytes as BlobPart], { type: "application/json" }), "meta.json");
    });
    actions.append(metaButton);
  }
  const redactButton = h(
    "button",
    { type: "button", class: "secondary", "data-testid": "download-redacted" },
    "Download a redacted copy",
  );
  redactButton.title = "The same snapshot with every secret (tokens, keys, KV and Vault values) " +
    "overwritten: for reading and sharing, not for restoring";
  redactButton.addEventListener("click", () => downloadRedacted(source, sealer));
  const compareButton = h(
    "button",
    { type: "button", class: "secondary", "data-testid": "compare" },
    "Compare with another snapshot…",
  );
  compareButton.addEventListener("click", () => {
    const other = h("input", { type: "file", accept: ".snap" }) as HTMLInputElement;
    other.addEventListener("change", () => {
      const file = other.files?.[0];
      if (file) compare(source, fileSource(file));
    });
    other.click();
  });
  actions.append(redactButton, compareButton);
}

/** The comparison shown, whose spools go when it is closed or replaced, or the page left. */
let comparison: Comparison | undefined;

function closeComparison() {
  comparison?.close();
  comparison = undefined;
}
globalThis.addEventListener("pagehide", closeComparison);

/**
 * Compares two snapshots with `diffSnapshots` and shows, while it runs, each changed key
 * as it is found (web/explorer/compare.ts), then what `raftsnap diff` prints: the
 * metadata, the record types before and after, the keys added, removed and changed by
 * prefix, and the verdict. Both files are read here; nothing is uploaded.
 */
async function compare(older: Source, newer: Source) {
  current?.abort();
  const job = new AbortController();
  current = job;
  closeComparison();
  const sealer = await keyedSealer()?.catch(() => undefined);
  showWork("Comparing", `${older.name} and ${newer.name}`, undefined);
  explorer.close();
  const started = performance.now();
  let view: Comparison | undefined;
  try {
    view = comparison = await Comparison.open();
    verdict.className = "verdict";
    verdict.dataset.verdict = "comparing";
    verdict.replaceChildren(
      h("h2", {}, "Comparing…"),
      h(
        "p",
        {},
        `OLD ${older.name}, NEW ${newer.name}: changed keys are listed as they are found.`,
      ),
    );
    actions.replaceChildren();
    details.replaceChildren(view.element);
    resultSection.hidden = false;
    const diff = await diffSnapshots(await older.open(job.signal), await newer.open(job.signal), {
      hasher,
      sealer,
      signal: job.signal,
      maxKeys: 200,
      onKey: (change) => view!.add(change),
      states: view.throughs(),
    });
    if (comparison !== view) return;
    view.finish(diff);
    showVerdict(
      diff.same ? "ok" : "bad",
      diff.same ? "same" : "differ",
      h("h2", {}, diff.same ? "= The same records" : "≠ The snapshots differ"),
      h("p", { "data-testid": "diff-verdict" }, diff.verdict),
      h("p", {}, `OLD ${older.name}, NEW ${newer.name}; both verified in full.`),
    );
    actions.replaceChildren();
    details.prepend(h("pre", { class: "diff", "data-testid": "diff" }, formatDiff(diff)));
  } catch (error) {
    if (view && comparison === view) {
      view.fail(
        `The comparison stopped: ${error instanceof Error ? error.message : error}. ` +
          "The keys listed were found before it stopped; their records can no longer be shown.",
      );
      // Its records cannot all be shown: the spools go now.
      closeComparison();
    }
    if (job.signal.aborted) showCancelled(0, undefined);
    else if (error instanceof SnapshotError) {
      showFailed(
        { ...older, name: `${older.name} or ${newer.name}` },
        error,
        performance.now() - started,
      );
    } else showBroken(`${older.name} and ${newer.name}`, error);
  } finally {
    if (current === job) current = undefined;
    work.hidden = true;
  }
}

/**
 * Inspects several snapshots of one cluster, one after the other, and charts what their
 * states hold by raft Index (web/explorer/timeline.ts).
 */
async function timeline(sources: Source[]) {
  current?.abort();
  explorer.close();
  closeComparison();
  const job = new AbortController();
  current = job;
  const sealer = await keyedSealer()?.catch(() => undefined);
  const points: TimelinePoint[] = [];
  try {
    for (const [i, source] of sources.entries()) {
      showWork(`Inspecting ${i + 1} of ${sources.length}:`, source.name, source.size);
      const meter = new ProgressMeter(source.size, drawProgress);
      const result = await inspectSnapshot(
        (await source.open(job.signal)).pipeThrough(meter.counter()),
        { sealer, hasher, signal: job.signal },
      );
      meter.finish();
      points.push({ name: source.name, index: Number(result.verify!.meta.index), result });
    }
    showVerdict(
      "ok",
      "timeline",
      h("h2", {}, `✓ ${sources.length} snapshots verified`),
      h("p", {}, "Each was verified in full; their states are charted below by raft Index."),
    );
    actions.replaceChildren();
    details.replaceChildren(renderTimeline(points));
  } catch (error) {
    if (job.signal.aborted) showCancelled(0, undefined);
    else if (error instanceof SnapshotError) {
      showFailed(sources[points.length]!, error, 0);
    } else showBroken(sources[points.length]?.name ?? "a snapshot", error);
  } finally {
    if (current === job) current = undefined;
    work.hidden = true;
  }
}

async function downloadRedacted(source: Source, sealer: Sealer | undefined) {
  const name = source.name.replace(/\.snap$/, "") + "-redacted.snap";
  await saveFromArchive(source, name, "application/gzip", {
    working: "Redacting",
    cancelled: "Redacting was cancelled; nothing was saved.",
    failed: "No redacted copy was saved",
  }, async (stream, signal, target) => {
    await target.write(redactSnapshot(stream, { sealer, hasher, signal }), signal);
    return `Saved ${name}: every secret overwritten, verified while reading. ` +
      "It is for reading and sharing, not for restoring a cluster.";
  });
}

/**
 * Writes what `produce` makes of the archive to a file the user picks (or the browser's
 * downloads), with progress, a status line and cancellation: the file is kept only if
 * `produce` resolves, to the status it returns.
 */
async function saveFromArchive(
  source: Source,
  name: string,
  type: string,
  texts: { working: string; cancelled: string; failed: string },
  produce: (
    stream: ReadableStream<Uint8Array>,
    signal: AbortSignal,
    target: SaveTarget,
  ) => Promise<string>,
) {
  let target;
  try {
    target = await chooseTarget(name, type);
  } catch (error) {
    actions.append(h("p", { class: "error", role: "alert" }, `Cannot save: ${error}`));
    return;
  }
  if (!target) return;
  current?.abort();
  const job = new AbortController();
  current = job;
  showWork(texts.working, source.name, source.size);
  const meter = new ProgressMeter(source.size, drawProgress);
  const status = h("p", { role: "status", "data-testid": "download-status" });
  actions.querySelector("[data-testid=download-status]")?.remove();
  actions.append(status);
  try {
    const stream = (await source.open(job.signal)).pipeThrough(meter.counter());
    status.textContent = await produce(stream, job.signal, target);
    status.dataset.state = "saved";
  } catch (error) {
    status.className = "error";
    status.dataset.state = job.signal.aborted ? "cancelled" : "failed";
    status.textContent = job.signal.aborted
      ? texts.cancelled
      : `${texts.failed}: ${error instanceof Error ? error.message : error}`;
  } finally {
    if (current === job) current = undefined;
    work.hidden = true;
  }
}

function showFailed(source: Source, error: SnapshotError, ms: number) {
  const e = explain(error);
  const rows: [string, Node | string][] = [["Check that failed", e.check]];
  if (e.where) rows.push(["Where", e.where]);
  if (e.expected) rows.push(["Expected", h("code", {}, e.expected)]);
  if (e.found) rows.push(["Found", h("code", {}, e.found)]);
  showVerdict(
    "bad",
    "failed",
    h("h2", {}, `✗ Failed: ${e.title}`),
    h("p", {}, `${source.name} did not verify (checked in ${formatDuration(ms)}).`),
    h("dl", {}, ...rows.flatMap(([name, value]) => [h("dt", {}, name), h("dd", {}, value)])),
    h("p", { class: "advice" }, e.advice),
    h(
      "details",
      {},
      h("summary", {}, "Technical detail"),
      h("p", {}, h("code", { "data-testid": "code" }, error.code), ` (${error.layer} layer): `),
      h("p", {}, error.message),
    ),
  );
  verdict.dataset.code = error.code;
  actions.replaceChildren();
}

function showCancelled(done: number, total: number | undefined) {
  showVerdict(
    "cancelled",
    "cancelled",
    h("h2", {}, "Cancelled"),
    h(
      "p",
      {},
      `Stopped after ${formatBytes(done)}${total ? ` of ${formatBytes(total)}` : ""}. ` +
        "Nothing was verified: check the file again to get a verdict.",
    ),
  );
  actions.replaceChildren();
}

function showBroken(name: string, error: unknown) {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  showVerdict("bad", "error", h("h2", {}, `Could not read ${name}`), h("p", {}, message));
  actions.replaceChildren();
}

/** A button that checks the same source again (after entering a key, say). */
function againButton(source: Source): HTMLButtonElement {
  const button = h("button", { type: "button", class: "secondary" }, "Check again");
  button.addEventListener("click", () => verify(source));
  return button;
}

/**
 * Saves `state.bin`: the archive is read and verified a second time while the state
 * streams to the file, and the file is kept only if that verification passes too (the
 * file on disk may have changed since).
 */
async function downloadState(source: Source, sealer: Sealer | undefined, result: VerifyResult) {
  await saveFromArchive(source, "state.bin", "application/octet-stream", {
    working: "Saving state.bin from",
    cancelled: "Saving state.bin was cancelled; nothing was saved.",
    failed: "state.bin was not saved",
  }, async (stream, signal, target) => {
    const parsed = parseSnapshot(stream, { sealer, hasher, signal });
    await target.write(parsed.state, signal);
    const again = await parsed.result;
    if (again.stateSha256 !== result.stateSha256) {
      throw new Error("the archive changed since it was verified");
    }
    return target.kind === "file"
      ? `Saved state.bin (${formatBytes(again.stateSize)}), verified again while saving.`
      : `state.bin (${formatBytes(again.stateSize)}) verified again and handed to the browser's ` +
        "downloads.";
  });
}

function fileSource(file: File): Source {
  return {
    name: file.name,
    size: file.size,
    open: () => Promise.resolve(file.stream()),
    local: true,
  };
}

function urlSource(text: string): Source | string {
  let url: URL;
  try {
    url = new URL(text, location.href);
  } catch {
    return `Not a URL: ${text}`;
  }
  if (url.origin !== location.origin) {
    return `Only files on this site (${location.origin}) can be checked: the page makes no ` +
      "request to any other host.";
  }
  const name = decodeURIComponent(url.pathname.split("/").pop() || url.pathname);
  const source: Source = {
    name,
    size: undefined,
    async open(signal) {
      const response = await fetch(url, { signal, cache: "no-store" });
      if (!response.ok || !response.body) {
        throw new Error(`${url.pathname}: HTTP ${response.status} ${response.statusText}`);
      }
      const length = Number(response.headers.get("content-length"));
      if (Number.isSafeInteger(length) && length > 0) source.size = length;
      return response.body;
    },
  };
  return source;
}

function pickFile(files: FileList | null | undefined) {
  // Three or more: a timeline of what they hold.
  if (files && files.length > 2) {
    timeline(Array.from(files, fileSource));
    return;
  }
  // Two files dropped or picked together are compared, the first as OLD.
  if (files && files.length === 2) {
    compare(fileSource(files[0]!), fileSource(files[1]!));
    return;
  }
  const file = files?.[0];
  if (file) {
    verify(fileSource(file));
    offerUpload(file); // "Send to a verifier" (web/upload.ts)
  }
}

drop.addEventListener("click", () => fileInput.click());
drop.addEventListener("keydown", (event) => {
  if (event.key === "Enter" || event.key === " ") {
    event.preventDefault();
    fileInput.click();
  }
});
fileInput.addEventListener("change", () => {
  pickFile(fileInput.files);
  fileInput.value = ""; // the same file again fires change again
});
// A file dropped anywhere on the page is checked, never opened by the browser.
document.addEventListener("dragover", (event) => {
  event.preventDefault();
  if (event.dataTransfer) event.dataTransfer.dropEffect = "copy";
  drop.classList.add("over");
});
document.addEventListener("dragleave", (event) => {
  if (event.relatedTarget === null) drop.classList.remove("over");
});
document.addEventListener("drop", (event) => {
  event.preventDefault();
  drop.classList.remove("over");
  pickFile(event.dataTransfer?.files);
});
urlForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const source = urlSource(urlInput.value.trim());
  if (typeof source === "string") {
    showBroken(urlInput.value, source);
    return;
  }
  verify(source);
});
cancelButton.addEventListener("click", () => {
  cancelButton.disabled = true;
  current?.abort(new DOMException("Cancelled by the user", "AbortError"));
});
document.body.dataset.ready = "true";
