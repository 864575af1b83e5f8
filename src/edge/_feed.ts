// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

/**
 * One branch of a bounded tee: a readable stream that the pump pushes chunks into, at
 * most one chunk ahead of its reader. `ReadableStream.tee()` queues without bound for
 * the slower branch; with this, the pump waits for {@linkcode Feed.ready} before it reads
 * more of the request, so a slow consumer slows the upload instead of filling memory.
 */
export class Feed {
  /** The branch's stream. */
  readonly readable: ReadableStream<Uint8Array>;
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  #wake: (() => void) | undefined;
  #done = false;

  constructor() {
    this.readable = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.#controller = controller;
      },
      pull: () => this.#wakeUp(),
      cancel: () => {
        this.#done = true;
        this.#wakeUp();
      },
    }, { highWaterMark: 1 });
  }

  #wakeUp() {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  /** Resolves once the reader wants another chunk, or is gone. */
  ready(): Promise<void> {
    if (this.#done || (this.#controller.desiredSize ?? 1) > 0) return Promise.resolve();
    return new Promise((resolve) => this.#wake = resolve);
  }

  /** Hands a chunk on (dropped once the branch is closed, errored or cancelled). */
  push(chunk: Uint8Array): void {
    if (!this.#done) this.#controller.enqueue(chunk);
  }

  /** Ends the branch normally. */
  close(): void {
    if (this.#done) return;
    this.#done = true;
    this.#controller.close();
  }

  /** Ends the branch with an error, and wakes a waiting pump. */
  error(reason: unknown): void {
    if (!this.#done) {
      this.#done = true;
      this.#controller.error(reason);
    }
    this.#wakeUp();
  }
}
