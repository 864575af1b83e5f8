// Copyright 2026 the raftsnap authors. Apache-2.0 license.

/**
 * `deno task serve [--port 8000] [--files DIR]`: builds the inspector page and serves it
 * on 127.0.0.1. `--files DIR` also serves DIR's files under `/files/`, so the page's URL
 * field can check a snapshot on this machine without picking it (`/files/backup.snap`).
 * The page itself works from any static host: this server is for trying it out and for
 * the tests.
 *
 * @module
 */

import { buildWeb } from "./build.ts";

const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  css: "text/css; charset=utf-8",
  mjs: "text/javascript; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  json: "application/json",
  snap: "application/gzip",
  png: "image/png",
};

/** A URL path prefix served from a folder. */
export interface Mount {
  /** The path prefix, such as `/` or `/files/`, ending with `/`. */
  prefix: string;
  /** The folder, as an absolute path. */
  dir: string;
}

/**
 * A fetch handler that serves files from folders, streaming each body (a 1 GiB snapshot
 * is never read into memory). Only `GET` and `HEAD`; paths that leave their folder are
 * refused; `/` serves `index.html`.
 *
 * @param mounts The folders and their URL prefixes; the longest matching prefix wins.
 * @returns The handler.
 */
export function staticHandler(mounts: Mount[]): (request: Request) => Promise<Response> {
  const sorted = [...mounts].sort((a, b) => b.prefix.length - a.prefix.length);
  return async (request) => {
    if (request.method !== "GET" && request.method !== "HEAD") {
      return new Response("method not allowed\n", { status: 405, headers: { allow: "GET, HEAD" } });
    }
    const path = decodeURIComponent(new URL(request.url).pathname);
    const mount = sorted.find((m) => path.startsWith(m.prefix));
    const rest = mount ? path.slice(mount.prefix.length) : undefined;
    if (!mount || rest === undefined || rest.split("/").some((part) => part === "..")) {
      return new Response("not found\n", { status: 404 });
    }
    const file = `${mount.dir}/${rest === "" ? "index.html" : rest}`;
    let opened: Deno.FsFile;
    try {
      opened = await Deno.open(file);
      const info = await opened.stat();
      if (!info.isFile) {
        opened.close();
        return new Response("not found\n", { status: 404 });
      }
      const headers = new Headers({
        "content-type": TYPES[file.split(".").pop() ?? ""] ?? "application/octet-stream",
        "content-length": String(info.size),
        "cache-control": "no-cache",
        "x-content-type-options": "nosniff",
      });
      if (request.method === "HEAD") {
        opened.close();
        return new Response(null, { headers });
      }
      return new Response(opened.readable, { headers });
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) {
        return new Response("not found\n", { status: 404 });
      }
      throw error;
    }
  };
}

/** Builds the page and serves it until the process is stopped. */
async function main(args: string[]): Promise<void> {
  const flag = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const port = Number(flag("--port") ?? 8000);
  const files = flag("--files");
  const { dir } = await buildWeb();
  const mounts: Mount[] = [{ prefix: "/", dir }];
  if (files) mounts.push({ prefix: "/files/", dir: await Deno.realPath(files) });
  Deno.serve({
    hostname: "127.0.0.1",
    port,
    onListen: ({ port }) => {
      console.log(`raftsnap inspector: http://127.0.0.1:${port}/`);
      if (files) console.log(`  ${files} is served under http://127.0.0.1:${port}/files/`);
    },
  }, staticHandler(mounts));
}

if (import.meta.main) await main(Deno.args);
