// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// A Cloudflare Worker that verifies uploaded raft snapshots (.snap) as they stream in and
// keeps only those that verify, in R2. Deploy: see docs/resumable-uploads.md.
//
// Two ways in:
//   curl -T backup.snap -H "Authorization: Bearer $TOKEN" https://<worker>/
// (one request: its body is capped by the plan, 100 MB on Free and Pro), and resumable
// uploads (tus 1.0.0) at /uploads/, for any size and any number of dropped connections:
//   raftsnap upload backup.snap https://<worker>/uploads/
// Each resumable upload lives in its own Durable Object (TusUpload, addressed by the
// upload's id), which holds the live verifier between PATCHes, stages the bytes in R2 (as
// readable parts, copied into a multipart upload at the snapshot's key once verified), and
// keeps its record in its storage; an alarm deletes it when it expires. If the object loses its memory (eviction, deploy), the next PATCH rebuilds the
// verifier by replaying what is staged. A second Durable Object per token (TusOwner)
// counts its open uploads, for MAX_OPEN_UPLOADS.
//
// The library is the bundle `deno task build` writes (dist/lib/raftsnap.mjs); wrangler
// bundles it into the Worker. In workerd it hashes with crypto.DigestStream.

import {
  bearerAuthorizer,
  createTusHandler,
  createVerifyHandler,
  R2Store,
  TusSession,
} from "../../../dist/lib/raftsnap.mjs";

/** One handler of each kind per isolate, made on first use. */
let handler;
let tusHandler;

function number(value) {
  return value === undefined || value === "" ? undefined : Number(value);
}

/** The per-upload settings, from the vars (each upload's bounds, its expiry). */
function sessionOptions(env) {
  return {
    maxBytes: number(env.MAX_BYTES),
    timeout: number(env.TIMEOUT_MS),
    expiresAfter: number(env.EXPIRES_AFTER_MS),
    maxUploadTime: number(env.MAX_UPLOAD_TIME_MS),
  };
}

function store(env, records) {
  return new R2Store(env.SNAPSHOTS, {
    prefix: env.PREFIX ?? "",
    partSize: number(env.PART_SIZE),
  }).resumable({ records });
}

// What the Worker tells the upload's Durable Object besides the client's request.
const OP = "x-raftsnap-op";
const RECORD = "x-raftsnap-record";
const ID = "x-raftsnap-id";
const OWNER = "x-raftsnap-owner";

/** The client's request, sent on to a Durable Object with `extra` headers. */
function forward(stub, request, extra) {
  const headers = new Headers(request.headers);
  for (const name of [OP, RECORD, ID, OWNER]) headers.delete(name);
  for (const [name, value] of Object.entries(extra)) headers.set(name, encodeURIComponent(value));
  return stub.fetch(request.url, {
    method: request.method,
    headers,
    body: request.body,
    duplex: "half",
  });
}

/** The tus handler's sessions live in one Durable Object per upload. */
function durableSessions(env) {
  const upload = (id) => env.TUS_UPLOADS.get(env.TUS_UPLOADS.idFromName(id));
  const owner = (hash) => env.TUS_OWNERS.get(env.TUS_OWNERS.idFromName(hash));
  return {
    async create(record) {
      const response = await upload(record.id).fetch("https://upload/", {
        method: "POST",
        headers: { [OP]: "create", [RECORD]: encodeURIComponent(JSON.stringify(record)) },
      });
      if (!response.ok) throw new Error(`the upload's Durable Object: ${await response.text()}`);
      await response.body?.cancel();
    },
    handle: (id, request, hash) =>
      forward(upload(id), request, { [OP]: "handle", [ID]: id, [OWNER]: hash }),
    async countOpen(hash) {
      const response = await owner(hash).fetch("https://owner/count");
      return Number(await response.text());
    },
  };
}

/**
 * One resumable upload: its session (live verifier), its staging in R2, its
 * record in this object's storage, and an alarm at its expiry.
 */
export class TusUpload {
  constructor(ctx, env) {
    this.ctx = ctx;
    this.env = env;
    /** The session, while this object is in memory. */
    this.session = undefined;
    const storage = ctx.storage;
    this.store = store(env, {
      async get(id) {
        const state = await storage.get("state");
        return state && state.record.id === id ? state : undefined;
      },
      put: (state) => storage.put("state", state),
      delete: () => storage.delete("state"),
    });
  }

  /** The Durable Object counting the open uploads of this upload's token. */
  owner(hash) {
    return this.env.TUS_OWNERS.get(this.env.TUS_OWNERS.idFromName(hash));
  }

  async fetch(request) {
    const header = (name) => decodeURIComponent(request.headers.get(name) ?? "");
    const options = sessionOptions(this.env);
    if (header(OP) === "create") {
      const record = JSON.parse(header(RECORD));
      if (await this.ctx.storage.get("id") !== undefined) {
        return new Response("this upload exists already", { status: 409 });
      }
      await this.ctx.storage.put({ id: record.id, owner: record.owner });
      this.session = await TusSession.create(this.store, record, options);
      await this.owner(record.owner).fetch(
        `https://owner/add?id=${record.id}&expires=${record.expires}`,
        { method: "POST" },
      );
      await this.settle();
      return new Response(null, { status: 204 });
    }
    const headers = new Headers(request.headers);
    for (const name of [OP, RECORD, ID, OWNER]) headers.delete(name);
    const inner = new Request(request.url, {
      method: request.method,
      headers,
      body: request.body,
      duplex: "half",
    });
    let response;
    {
      const id = header(ID);
      // One opening at a time: requests that arrive together share the session.
      this.opening ??= TusSession.open(this.store, id, options);
      this.session ??= await this.opening;
      this.opening = undefined;
      if (!this.session) {
        await request.body?.cancel();
        return Response.json({ ok: false, error: { code: "not-found" } }, { status: 404 });
      }
      response = await this.session.handle(inner, header(OWNER));
    }
    await this.settle();
    return response;
  }

  /** After each request: the alarm follows the record; an ended upload is not open. */
  async settle() {
    const record = this.session?.record;
    if (!record) {
      await this.clear();
      return;
    }
    await this.ctx.storage.setAlarm(record.expires + 1);
    if (record.ended) {
      await this.owner(record.owner).fetch(`https://owner/remove?id=${record.id}`, {
        method: "POST",
      });
    }
  }

  /** Forgets the upload: its storage, its alarm, its place in its token's count. */
  async clear() {
    const id = await this.ctx.storage.get("id");
    const owner = await this.ctx.storage.get("owner");
    this.session = undefined;
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    if (owner !== undefined && id !== undefined) {
      await this.owner(owner).fetch(`https://owner/remove?id=${id}`, { method: "POST" });
    }
  }

  /** The expiry: an abandoned upload's staged objects deleted, its storage cleared. */
  async alarm() {
    const id = await this.ctx.storage.get("id");
    if (id === undefined) return await this.clear();
    this.opening ??= TusSession.open(this.store, id, sessionOptions(this.env));
    this.session ??= await this.opening;
    this.opening = undefined;
    if (!this.session) return await this.clear();
    const record = this.session.record;
    if (!record || await this.session.expire(Date.now())) return await this.clear();
    // Not expired yet (a PATCH moved it on, or one is running): look again then.
    await this.ctx.storage.setAlarm(Math.max(record.expires + 1, Date.now() + 1000));
  }
}

/** The open uploads of one token (a hash of it): their ids and expiries. */
export class TusOwner {
  constructor(ctx) {
    this.ctx = ctx;
  }

  async fetch(request) {
    const url = new URL(request.url);
    const storage = this.ctx.storage;
    const id = url.searchParams.get("id");
    if (url.pathname === "/add") {
      await storage.put(`u:${id}`, Number(url.searchParams.get("expires")));
    } else if (url.pathname === "/remove") await storage.delete(`u:${id}`);
    const now = Date.now();
    let open = 0;
    for (const [key, expires] of await storage.list({ prefix: "u:" })) {
      if (expires < now) await storage.delete(key);
      else open++;
    }
    return new Response(String(open));
  }
}

export default {
  /**
   * @param {Request} request
   * @param {{ SNAPSHOTS: R2Bucket, TUS_UPLOADS: DurableObjectNamespace,
   *   TUS_OWNERS: DurableObjectNamespace, UPLOAD_TOKEN?: string, PREFIX?: string,
   *   MAX_BYTES?: string, TIMEOUT_MS?: string, PART_SIZE?: string,
   *   EXPIRES_AFTER_MS?: string, MAX_UPLOAD_TIME_MS?: string, MAX_OPEN_UPLOADS?: string,
   *   ALLOWED_ORIGINS?: string }} env
   */
  fetch(request, env) {
    if (!env.UPLOAD_TOKEN) {
      return new Response("UPLOAD_TOKEN is not set: wrangler secret put UPLOAD_TOKEN\n", {
        status: 500,
      });
    }
    const path = new URL(request.url).pathname;
    if (path === "/uploads" || path.startsWith("/uploads/") || request.method === "OPTIONS") {
      tusHandler ??= createTusHandler({
        ...sessionOptions(env),
        sessions: durableSessions(env),
        authorize: bearerAuthorizer(env.UPLOAD_TOKEN),
        maxOpenUploads: number(env.MAX_OPEN_UPLOADS),
        allowedOrigins: env.ALLOWED_ORIGINS ? env.ALLOWED_ORIGINS.split(/[\s,]+/) : [],
      });
      return tusHandler(request);
    }
    handler ??= createVerifyHandler({
      store: new R2Store(env.SNAPSHOTS, {
        prefix: env.PREFIX ?? "",
        partSize: number(env.PART_SIZE),
      }),
      authorize: bearerAuthorizer(env.UPLOAD_TOKEN),
      maxBytes: number(env.MAX_BYTES),
      timeout: number(env.TIMEOUT_MS),
      // An isolate runs one request's JavaScript at a time: a few uploads at once.
      maxConcurrentUploads: 4,
    });
    return handler(request);
  },
};
