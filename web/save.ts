// Copyright 2026 the raftsnap authors. Apache-2.0 license.
/// <reference lib="dom" />

/**
 * Saves a stream as a download. Where the browser has the File System Access API
 * (Chromium), the bytes stream straight into the file the user picks, and a stream that
 * errors aborts the write, so no partial file is left. Elsewhere they are gathered into a
 * `Blob` in 64 MiB parts (the browser may keep large blobs on disk, not in the tab's
 * memory) and offered as a download once the stream has closed, never before.
 */

/** A writable file, as `showSaveFilePicker` returns it (typed here: not in every DOM lib). */
interface FileHandle {
  createWritable(): Promise<WritableStream<Uint8Array>>;
}

type SavePicker = (options: {
  suggestedName: string;
  types?: { description: string; accept: Record<string, string[]> }[];
}) => Promise<FileHandle>;

/** Where the bytes go: a picked file, or a Blob download. */
export interface SaveTarget {
  /** `"file"` when streaming to a picked file, `"download"` for a Blob download. */
  kind: "file" | "download";
  /** Writes the stream; resolves once it is saved, rejects (and saves nothing) if it errors. */
  write(stream: ReadableStream<Uint8Array>, signal?: AbortSignal): Promise<void>;
}

const PART_BYTES = 64 << 20;

/** Offers `blob` as a download named `name`. */
export function downloadBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // The download has taken its reference by the next task; a minute is generous.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/**
 * Asks where to save `name`. Call it straight from a click handler: the picker needs the
 * user's gesture. Resolves `undefined` if the user cancelled the picker.
 *
 * @param name The suggested file name.
 * @param type The MIME type.
 */
export async function chooseTarget(name: string, type: string): Promise<SaveTarget | undefined> {
  const picker = (globalThis as { showSaveFilePicker?: SavePicker }).showSaveFilePicker;
  if (typeof picker === "function") {
    let handle: FileHandle;
    try {
      handle = await picker({ suggestedName: name });
    } catch (error) {
      if (error instanceof DOMException && error.name === "AbortError") return undefined;
      throw error;
    }
    return {
      kind: "file",
      async write(stream, signal) {
        const writable = await handle.createWritable();
        await stream.pipeTo(writable, { signal }); // an error aborts the write: nothing is kept
      },
    };
  }
  return {
    kind: "download",
    async write(stream, signal) {
      const parts: Blob[] = [];
      let chunks: Uint8Array[] = [];
      let held = 0;
      await stream.pipeTo(
        new WritableStream({
          write(chunk) {
            chunks.push(chunk);
            held += chunk.byteLength;
            if (held >= PART_BYTES) {
              parts.push(new Blob(chunks as BlobPart[]));
              chunks = [];
              held = 0;
            }
          },
        }),
        { signal },
      );
      parts.push(new Blob(chunks as BlobPart[]));
      downloadBlob(new Blob(parts, { type }), name);
    },
  };
}
