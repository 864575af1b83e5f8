// Copyright 2026 the raftsnap authors. Apache-2.0 license.

/**
 * Counts the bytes of a stream as they pass, and reports bytes done, the total and the
 * rate at most every `interval` milliseconds (the page redraws its progress bar from it).
 */

/** One progress report. */
export interface Progress {
  /** Bytes passed so far. */
  done: number;
  /** The total, when known (a file's size, a response's Content-Length). */
  total: number | undefined;
  /** Milliseconds since the meter started. */
  elapsed: number;
}

/** A byte counter with a throttled report. */
export class ProgressMeter {
  /** The expected bytes, when known; may be set once learnt (a response's length). */
  total: number | undefined;
  readonly #report: (progress: Progress) => void;
  readonly #interval: number;
  #start = performance.now();
  #done = 0;
  #lastReport = -Infinity;

  /**
   * @param total The expected bytes, if known.
   * @param report Called with the progress, throttled, and once more by {@linkcode finish}.
   * @param interval The least milliseconds between two reports.
   */
  constructor(total: number | undefined, report: (progress: Progress) => void, interval = 100) {
    this.total = total;
    this.#report = report;
    this.#interval = interval;
  }

  /** Starts counting again from zero (a second pass over the same source). */
  restart(): void {
    this.#start = performance.now();
    this.#done = 0;
  }

  /** The progress now. */
  get progress(): Progress {
    return { done: this.#done, total: this.total, elapsed: performance.now() - this.#start };
  }

  /** A pass-through stream that counts what flows through it. */
  counter(): TransformStream<Uint8Array, Uint8Array> {
    return new TransformStream({
      transform: (chunk, controller) => {
        this.#done += chunk.byteLength;
        controller.enqueue(chunk);
        const now = performance.now();
        if (now - this.#lastReport >= this.#interval) {
          this.#lastReport = now;
          this.#report(this.progress);
        }
      },
    });
  }

  /** Reports the final count. */
  finish(): Progress {
    const progress = this.progress;
    this.#report(progress);
    return progress;
  }
}
