// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import { toHex } from "../_bytes.ts";
import { defaultSha256 } from "../sha256/default_sha256.ts";
import { type Sha256Factory, sha256Of } from "../sha256/sha256.ts";
import { UploadError } from "./upload_error.ts";
import { uploadErrorResponse } from "./upload_json.ts";

/**
 * What an `authorize` hook decides, before any of the body is read:
 *
 * - `true`: go ahead;
 * - `false` (or anything that is none of these): 403 `forbidden`, nothing is read;
 * - a `Response`: sent as it is (a 401 with a challenge, say), nothing is read;
 * - a {@linkcode BodyAuthorizer}: go ahead, but the decision waits for the whole body
 *   (an HMAC of the body, say); nothing is committed unless it approves.
 */
export type AuthorizeResult = boolean | Response | BodyAuthorizer;

/** The `authorize` option of {@linkcode createVerifyHandler}. */
export type Authorize = (request: Request) => AuthorizeResult | Promise<AuthorizeResult>;

/**
 * An authorization that needs the body: it sees every byte as it streams in, and
 * decides once the body has ended. When it does not approve, the staged upload is
 * aborted and its refusal is the answer, even when the archive also failed verification
 * (the rest of a bad archive is still read, so that an unauthorised client learns
 * nothing about its upload). An upload stopped before its end (too large, a timeout, a
 * client gone) is refused for that reason, without asking it. If it throws, the upload
 * is refused with 500 `internal` and aborted.
 */
export interface BodyAuthorizer {
  /** Receives the body's bytes in order; a returned promise holds the upload back. */
  update(chunk: Uint8Array): void | Promise<void>;
  /** The decision: `true` approves, `false` is 403 `forbidden`, a `Response` is sent as is. */
  verify(): boolean | Response | Promise<boolean | Response>;
}

const encoder = new TextEncoder();

/** Compares two secrets without an early exit: their SHA-256 digests, every byte. */
async function sameSecret(a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(a)),
    crypto.subtle.digest("SHA-256", encoder.encode(b)),
  ]);
  const p = new Uint8Array(x);
  const q = new Uint8Array(y);
  let diff = 0;
  for (let i = 0; i < p.length; i++) diff |= p[i]! ^ q[i]!;
  return diff === 0;
}

function refuse(code: "unauthorized" | "forbidden", message: string, challenge: string) {
  return uploadErrorResponse(
    new UploadError(code, message),
    code === "unauthorized" ? { "www-authenticate": challenge } : {},
  );
}

/**
 * An `authorize` hook for `Authorization: Bearer <token>`: 401 `unauthorized` (with a
 * `WWW-Authenticate: Bearer` challenge) without one, 403 `forbidden` for a token not in
 * the list. Tokens are compared in constant time.
 *
 * @example Accepting one token
 * ```ts
 * import { bearerAuthorizer } from "@raftsnap/raftsnap";
 *
 * const authorize = bearerAuthorizer("s3cret");
 * const ok = await authorize(new Request("http://x/", { headers: { authorization: "Bearer s3cret" } }));
 * const none = await authorize(new Request("http://x/"));
 * if (ok !== true || !(none instanceof Response) || none.status !== 401) throw new Error("wrong");
 * ```
 *
 * @param tokens The accepted tokens.
 * @returns The hook.
 * @throws {TypeError} when no token is given, or one is empty.
 */
export function bearerAuthorizer(tokens: string | readonly string[]): Authorize {
  const list = typeof tokens === "string" ? [tokens] : [...tokens];
  if (list.length === 0 || list.some((t) => t.length === 0)) {
    throw new TypeError("bearerAuthorizer needs at least one non-empty token");
  }
  const challenge = 'Bearer realm="raftsnap"';
  return async (request) => {
    const match = /^Bearer +(\S+)\s*$/i.exec(request.headers.get("authorization") ?? "");
    if (!match) {
      return refuse(
        "unauthorized",
        "no bearer token: send Authorization: Bearer <token>",
        challenge,
      );
    }
    let found = false;
    for (const token of list) found = (await sameSecret(match[1]!, token)) || found;
    return found || refuse("forbidden", "the bearer token is not accepted here", challenge);
  };
}

/** Options of {@linkcode hmacSha256Authorizer}. */
export interface HmacSha256AuthorizerOptions {
  /**
   * The request header that carries the signature, as `sha256=<hex>`.
   *
   * @default {"x-raftsnap-signature"}
   */
  header?: string;
  /**
   * Makes the SHA-256 hashers.
   *
   * @default {defaultSha256}
   */
  hasher?: Sha256Factory;
}

const BLOCK = 64;

/**
 * An `authorize` hook that checks an HMAC-SHA256 of the whole body, computed as it
 * streams in (WebCrypto's HMAC needs the whole body at once). The client sends
 * `X-Raftsnap-Signature: sha256=<hex HMAC-SHA256 of the body>`, as GitHub signs its
 * webhooks. A missing or malformed header is 401 `unauthorized` before anything is read;
 * a wrong signature is 403 `forbidden` once the body has ended, and nothing is stored.
 *
 * @example Signing and checking an upload
 * ```ts
 * import { hmacSha256Authorizer } from "@raftsnap/raftsnap";
 *
 * const key = new TextEncoder().encode("shared key");
 * const body = new TextEncoder().encode("the .snap bytes");
 * const cryptoKey = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
 * const mac = new Uint8Array(await crypto.subtle.sign("HMAC", cryptoKey, body));
 * const hex = Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("");
 *
 * const authorize = hmacSha256Authorizer(key);
 * const check = await authorize(new Request("http://x/", { headers: { "x-raftsnap-signature": `sha256=${hex}` } }));
 * if (typeof check !== "object" || check instanceof Response) throw new Error("expected a body check");
 * await check.update(body);
 * if ((await check.verify()) !== true) throw new Error("the signature should match");
 * ```
 *
 * @param key The shared secret (a string is taken as its UTF-8 bytes).
 * @param options The header name and the hasher.
 * @returns The hook.
 * @throws {TypeError} when the key is empty.
 */
export function hmacSha256Authorizer(
  key: string | Uint8Array,
  options: HmacSha256AuthorizerOptions = {},
): Authorize {
  let raw: Uint8Array = typeof key === "string" ? encoder.encode(key) : new Uint8Array(key);
  if (raw.length === 0) throw new TypeError("hmacSha256Authorizer needs a non-empty key");
  const header = (options.header ?? "x-raftsnap-signature").toLowerCase();
  const factory = options.hasher ?? defaultSha256;
  const challenge = `HMAC-SHA256 header="${header}"`;
  const padded = (async () => {
    if (raw.length > BLOCK) raw = await sha256Of(raw, factory);
    const inner = new Uint8Array(BLOCK).fill(0x36);
    const outer = new Uint8Array(BLOCK).fill(0x5c);
    raw.forEach((b, i) => {
      inner[i]! ^= b;
      outer[i]! ^= b;
    });
    return { inner, outer };
  })();
  return async (request) => {
    const match = /^sha256=([0-9a-f]{64})$/i.exec((request.headers.get(header) ?? "").trim());
    if (!match) {
      return refuse(
        "unauthorized",
        `no body signature: send ${header}: sha256=<hex HMAC-SHA256 of the body>`,
        challenge,
      );
    }
    const expected = match[1]!.toLowerCase();
    const { inner, outer } = await padded;
    const hasher = await factory();
    await hasher.update(inner);
    return {
      update: (chunk) => hasher.update(chunk),
      async verify() {
        const outerHasher = await factory();
        await outerHasher.update(outer);
        await outerHasher.update(await hasher.digest());
        const actual = toHex(await outerHasher.digest());
        return (await sameSecret(actual, expected)) ||
          refuse("forbidden", `the ${header} signature does not match the body`, challenge);
      },
    };
  };
}
