// Copyright 2026 the raftsnap authors. Apache-2.0 license.

/**
 * Deno's file system as the watcher's {@linkcode FolderFileSystem}: a
 * {@linkcode FolderSource} and a {@linkcode FileCatalogStorage} on `Deno.*`.
 *
 * @example Watching a folder from Deno
 * ```ts ignore
 * import { FolderSource, JsonCatalog, watchOnce } from "@raftsnap/raftsnap/watch";
 * import { denoFolderFileSystem } from "@raftsnap/raftsnap/deno/folder-fs";
 *
 * const source = new FolderSource("/backups", denoFolderFileSystem);
 * const report = await watchOnce(source, new JsonCatalog(source.catalogStorage()));
 * console.log(report.ok ? "all good" : "look at the report");
 * ```
 *
 * @module
 */

import type { FileCatalogStorage, FolderFileSystem, FolderSource } from "../watch/folder_source.ts";
import { openFileStream } from "./file_stream.ts";

export type { FileCatalogStorage, FolderFileSystem, FolderSource };

/** Deno's file system, for {@linkcode FolderSource} and {@linkcode FileCatalogStorage}. */
export const denoFolderFileSystem: FolderFileSystem = {
  async *readDir(path) {
    for await (const entry of Deno.readDir(path)) {
      yield { name: entry.name, isFile: entry.isFile, isDirectory: entry.isDirectory };
    }
  },
  async stat(path) {
    const info = await Deno.stat(path);
    return { size: info.size, mtime: info.mtime?.getTime(), isDirectory: info.isDirectory };
  },
  openRead: (path, options) => openFileStream(path, options),
  readTextFile: (path) => Deno.readTextFile(path),
  writeFile: (path, data) => Deno.writeFile(path, data),
  async createNew(path, bytes) {
    try {
      await Deno.writeFile(path, bytes, { createNew: true });
      return true;
    } catch (error) {
      if (error instanceof Deno.errors.AlreadyExists) return false;
      throw error;
    }
  },
  rename: (from, to) => Deno.rename(from, to),
  remove: (path) => Deno.remove(path),
  mkdirAll: (path) => Deno.mkdir(path, { recursive: true }),
};
