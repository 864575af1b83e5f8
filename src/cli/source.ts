// Copyright 2026 the raftsnap authors. Apache-2.0 license.

/**
 * What `inspect` and `decode` read: a `.snap` archive, or a raft data directory's raw
 * snapshot (`snapshots/<id>/` with `state.bin` and `meta.json`, or its `state.bin`).
 *
 * @module
 */

import { withIo } from "./errors.ts";
import { type Context, dirOf, type Input, joinPath, openInput, STDIO } from "./io.ts";
import { runtime } from "./runtime/runtime.ts";

/** An archive, or a raw state with the metadata beside it. */
export interface Source {
  /** The archive's or the state's bytes. */
  input: Input;
  /** For a raw state, the bytes of its `meta.json`. */
  meta?: Uint8Array;
}

/**
 * Opens `path`: a folder holding `state.bin` and `meta.json`, or a file named
 * `state.bin` (its `meta.json` beside it), is a raw state; anything else (and `-`) is
 * read as a `.snap`.
 *
 * @throws {FsError} when a file is missing or unreadable.
 */
export async function openSource(ctx: Context, path: string): Promise<Source> {
  if (path !== STDIO) {
    const info = await runtime().stat(path);
    const statePath = info.isDirectory
      ? joinPath(path, "state.bin")
      : path.split("/").at(-1) === "state.bin"
      ? path
      : undefined;
    if (statePath !== undefined) {
      const metaPath = joinPath(info.isDirectory ? path : dirOf(path), "meta.json");
      const meta = await withIo(`cannot read ${metaPath}`, () => runtime().readFile(metaPath));
      return { input: await openInput(ctx, statePath), meta };
    }
  }
  return { input: await openInput(ctx, path) };
}
