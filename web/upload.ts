// Copyright 2026 the raftsnap authors. Apache-2.0 license.
/// <reference lib="dom" />

/**
 * "Send to a verifier": after a file is picked or dropped, a form (the verifier's tus URL
 * and its token) that uploads it with `uploadSnapshot`, with progress, Pause and Resume.
 * Nothing leaves the tab unless Send is pressed. The page's only hook is
 * {@linkcode offerUpload}.
 *
 * @module
 */

import { UploadFailedError, uploadSnapshot } from "../mod.ts";
import { h } from "./_dom.ts";
import { formatBytes } from "./format.ts";

/** Bytes per request: small enough for the bar to move (a Blob request reports at its end). */
const CHUNK = 8 * 1024 * 1024;

const URL_KEY = "raftsnap.verifier-url";

let section: HTMLElement | undefined;
let running: AbortController | undefined;

/** Where the form goes: its own section, after the page's `main` content. */
function container(): HTMLElement {
  if (section?.isConnected) return section;
  section = h("section", { id: "send", "aria-label": "Send to a verifier" });
  (document.querySelector("main") ?? document.body).append(section);
  return section;
}

/**
 * Shows the "Send to a verifier" form for `file`, in place of the form for a file picked
 * before (an upload still running for that one is paused).
 *
 * @param file The picked or dropped snapshot.
 */
export function offerUpload(file: File): void {
  running?.abort(new DOMException("another file was picked", "AbortError"));
  running = undefined;
  const root = container();
  const url = h("input", {
    id: "send-url",
    type: "url",
    required: true,
    placeholder: "https://verify.example.com/uploads/",
    autocomplete: "url",
    spellcheck: "false",
  });
  url.value = localStorage.getItem(URL_KEY) ?? "";
  const token = h("input", {
    id: "send-token",
    type: "password",
    autocomplete: "off",
    spellcheck: "false",
  });
  const send = h("button", { id: "send-start", type: "submit" }, "Send");
  const pause = h("button", { id: "send-pause", type: "button", hidden: true }, "Pause");
  const resume = h("button", { id: "send-resume", type: "button", hidden: true }, "Resume");
  const bar = h("progress", { id: "send-bar", max: 1, value: 0, hidden: true });
  const status = h("p", { id: "send-status", role: "status", "aria-live": "polite" });
  const form = h(
    "form",
    { id: "send-form", class: "field" },
    h("h2", {}, "Send to a verifier"),
    h(
      "p",
      { class: "help" },
      `Upload ${file.name} (${formatBytes(file.size)}) to a raftsnap verifier ` +
        "(`deno task serve:edge` or the Cloudflare Worker, at their /uploads/): it checks " +
        "the archive as it arrives and keeps it only if it is good. The upload resumes " +
        "after a dropped connection; Pause and Resume it at will.",
    ),
    h("label", { for: "send-url" }, "Verifier URL (tus endpoint)"),
    url,
    h("label", { for: "send-token" }, "Token (optional; it stays in this tab)"),
    token,
    h("div", { class: "row" }, send, pause, resume),
    bar,
    status,
  );
  root.replaceChildren(form);
  root.dataset.state = "ready";

  let uploadUrl: string | undefined;
  const show = (state: string, text: string) => {
    root.dataset.state = state;
    status.textContent = text;
  };

  const start = async () => {
    let endpoint: URL;
    try {
      endpoint = new URL(url.value.trim());
      if (endpoint.protocol !== "https:" && endpoint.protocol !== "http:") throw new TypeError();
    } catch {
      show("failed", "The verifier URL must be an http:// or https:// URL.");
      return;
    }
    localStorage.setItem(URL_KEY, endpoint.href);
    const controller = new AbortController();
    running = controller;
    send.disabled = true;
    pause.hidden = false;
    pause.disabled = false;
    resume.hidden = true;
    bar.hidden = false;
    show("sending", uploadUrl ? "Resuming…" : "Sending…");
    try {
      const stored = await uploadSnapshot(file, endpoint, {
        token: token.value.trim() || undefined,
        chunkSize: CHUNK,
        signal: controller.signal,
        uploadUrl,
        metadata: { filename: file.name },
        onUploadUrl: (at) => void (uploadUrl = at),
        onProgress: ({ acknowledged, total }) => {
          bar.value = total === 0 ? 1 : acknowledged / total;
          root.dataset.acknowledged = String(acknowledged);
          if (!controller.signal.aborted) {
            show("sending", `${formatBytes(acknowledged)} of ${formatBytes(total)} verified`);
          }
        },
        onRetry: (error, attempt, delay) =>
          show(
            "sending",
            `${error.message}: trying again (${attempt}) in ${Math.ceil(delay / 1000)} s…`,
          ),
      });
      uploadUrl = undefined;
      bar.value = 1;
      root.dataset.key = stored.key ?? "";
      show("stored", `✓ Verified and stored by the verifier as ${stored.key ?? "(no key)"}.`);
      pause.hidden = true;
    } catch (error) {
      if (controller.signal.aborted) {
        show("paused", `Paused at ${formatBytes(Number(root.dataset.acknowledged ?? 0))}.`);
        pause.hidden = true;
        resume.hidden = false;
        return;
      }
      pause.hidden = true;
      send.disabled = false;
      if (error instanceof UploadFailedError && error.kind === "bad-snapshot") {
        uploadUrl = undefined;
        root.dataset.code = error.error?.code ?? "";
        show(
          "refused",
          `✗ Refused as a bad snapshot: ${error.error?.message ?? error.message}. ` +
            (error.error?.hint ?? ""),
        );
      } else {
        if (error instanceof UploadFailedError) root.dataset.code = error.error?.code ?? error.kind;
        show(
          "failed",
          `Not sent (not the file's fault): ${error instanceof Error ? error.message : error}` +
            (error instanceof UploadFailedError && error.error?.hint ? ` ${error.error.hint}` : ""),
        );
        // The upload may continue from where it stopped.
        if (uploadUrl) resume.hidden = false;
      }
    } finally {
      if (running === controller) running = undefined;
    }
  };

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void start();
  });
  pause.addEventListener("click", () => {
    pause.disabled = true;
    running?.abort(new DOMException("Paused", "AbortError"));
  });
  resume.addEventListener("click", () => void start());
}
