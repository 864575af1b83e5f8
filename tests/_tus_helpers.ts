// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// Helpers for the resumable-upload (tus) tests: a small raw tus client over any
// fetch-like function (an in-process handler or a real server), and the single-request
// handler's verdict to compare with.

import { createVerifyHandler, MemoryStore, type VerifyHandlerOptions } from "../mod.ts";
import { assert } from "./_helpers.ts";

/** Sends a request: a handler, or `fetch` to a server. */
export type Fetcher = (request: Request) => Promise<Response>;

/** The headers every tus request carries. */
export const TUS = { "tus-resumable": "1.0.0" } as const;

/** Creates an upload; its URL (absolute, against `base`). */
export async function tusCreate(
  send: Fetcher,
  base: string | URL,
  length: number,
  headers: Record<string, string> = {},
): Promise<{ response: Response; url: URL }> {
  const response = await send(
    new Request(new URL("/uploads/", base), {
      method: "POST",
      headers: { ...TUS, "upload-length": String(length), ...headers },
    }),
  );
  const location = response.headers.get("location");
  await response.body?.cancel();
  assert.equal(response.status, 201, `POST answered ${response.status}`);
  return { response, url: new URL(location!, base) };
}

/** One PATCH. */
export function tusPatch(
  send: Fetcher,
  url: URL,
  offset: number,
  body: BodyInit | null,
  headers: Record<string, string> = {},
): Promise<Response> {
  return send(
    new Request(url, {
      method: "PATCH",
      headers: {
        ...TUS,
        "content-type": "application/offset+octet-stream",
        "upload-offset": String(offset),
        ...headers,
      },
      body,
      duplex: "half",
    } as RequestInit),
  );
}

/** HEAD: the status and offset. */
export async function tusHead(
  send: Fetcher,
  url: URL,
  headers: Record<string, string> = {},
): Promise<{ status: number; offset: number | undefined; response: Response }> {
  const response = await send(
    new Request(url, { method: "HEAD", headers: { ...TUS, ...headers } }),
  );
  await response.body?.cancel();
  const offset = response.headers.get("upload-offset");
  return {
    status: response.status,
    offset: offset === null ? undefined : Number(offset),
    response,
  };
}

/** What an upload ended with: the last answer's status and JSON body. */
export interface TusOutcome {
  url: URL;
  status: number;
  body: Record<string, unknown> | undefined;
  /** PATCHes sent. */
  patches: number;
}

/**
 * Uploads `bytes` in PATCHes of `size(i)` bytes, stopping at the first answer that is not
 * 204; returns that answer. With `withUpload`, the first piece goes in the POST
 * (creation-with-upload); an empty upload always does.
 */
export async function tusSend(
  send: Fetcher,
  base: string | URL,
  bytes: Uint8Array,
  size: (i: number) => number,
  headers: Record<string, string> = {},
  withUpload = false,
): Promise<TusOutcome> {
  let offset = 0;
  let url: URL;
  let i = 0;
  if (withUpload || bytes.length === 0) {
    const piece = bytes.slice(0, Math.max(0, size(i++)));
    const response = await send(
      new Request(new URL("/uploads/", base), {
        method: "POST",
        headers: {
          ...TUS,
          "upload-length": String(bytes.length),
          "content-type": "application/offset+octet-stream",
          ...headers,
        },
        body: piece,
      }),
    );
    url = new URL(response.headers.get("location")!, base);
    const text = await response.text();
    offset = piece.length;
    if (response.status !== 201 || offset === bytes.length) {
      const body = text ? JSON.parse(text) : undefined;
      // A POST that completed the upload answers 201 with the stored JSON: as a PATCH's 200.
      const status = response.status === 201 && body?.ok === true ? 200 : response.status;
      return { url, status, body, patches: 0 };
    }
    assert.equal(response.headers.get("upload-offset"), String(offset));
  } else {
    url = (await tusCreate(send, base, bytes.length, headers)).url;
  }
  for (;; i++) {
    const piece = bytes.slice(offset, offset + Math.max(0, size(i)));
    const response = await tusPatch(send, url, offset, piece, headers);
    const text = await response.text();
    if (response.status !== 204) {
      return {
        url,
        status: response.status,
        body: text ? JSON.parse(text) : undefined,
        patches: i + 1,
      };
    }
    offset += piece.length;
    assert.equal(response.headers.get("upload-offset"), String(offset));
  }
}

/** The single-request handler's answer for `bytes`: status and JSON. */
export async function singleVerdict(
  bytes: Uint8Array,
  options: Partial<VerifyHandlerOptions> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const handler = createVerifyHandler({ store: new MemoryStore(), ...options });
  const response = await handler(
    new Request("http://localhost/", { method: "POST", body: bytes.slice() }),
  );
  return { status: response.status, body: await response.json() };
}

/**
 * Asserts that a tus outcome is the single-request handler's verdict: a stored upload
 * answers 200 with the same JSON (the key, the metadata...), a refused one the same
 * status and error JSON, whether the PATCH that found the fault answered it or (found
 * between PATCHes) the upload's GET tells it.
 */
export async function assertSameVerdict(
  send: Fetcher,
  outcome: TusOutcome,
  single: { status: number; body: Record<string, unknown> },
  headers: Record<string, string> = {},
) {
  if (single.status === 201) {
    assert.equal(outcome.status, 200, JSON.stringify(outcome.body));
    assert.deepEqual(outcome.body, single.body);
    const got = await send(new Request(outcome.url, { headers: { ...TUS, ...headers } }));
    assert.equal(got.status, 200);
    assert.deepEqual(await got.json(), single.body);
    return;
  }
  const got = await send(new Request(outcome.url, { headers: { ...TUS, ...headers } }));
  assert.equal(got.status, 410);
  const ended = await got.json();
  assert.equal(ended.status, single.status);
  assert.deepEqual({ ok: ended.ok, error: ended.error }, single.body);
  if (outcome.status !== 410) {
    // The PATCH that revealed the fault answered it.
    assert.equal(outcome.status, single.status);
    assert.deepEqual(outcome.body, single.body);
  }
  const head = await tusHead(send, outcome.url, headers);
  assert.equal(head.status, 410);
}
