// Copyright 2026 the raftsnap authors. Apache-2.0 license.

/**
 * The progress bar on standard error: bytes done, the total when known, MB/s. It shows
 * only for work that lasts (it starts after a delay), redraws at most ten times a
 * second, and erases itself at the end.
 *
 * @module
 */

import { runtime } from "./runtime/runtime.ts";

/** Options of {@linkcode Progress}. */
export interface ProgressOptions {
  /** What is being done, shown first: `verify backup.snap`. */
  label: string;
  /** Total bytes, when known. */
  total?: number;
  /** Whether to draw at all (standard error is a terminal, or `--progress`). */
  enabled: boolean;
  /** Receives the drawing: carriage returns and an erase-line escape. */
  write: (text: string) => void;
  /**
   * Milliseconds of work before the bar first shows.
   *
   * @default {1000}
   */
  delay?: number;
  /**
   * Milliseconds between redraws.
   *
   * @default {100}
   */
  interval?: number;
  /**
   * The width to fit in.
   *
   * @default {the terminal's width, else 80}
   */
  columns?: number;
  /**
   * The clock and the timer the bar runs on (tests step a fake one).
   *
   * @default {performance.now and setTimeout}
   */
  clock?: ProgressClock;
}

/** What {@linkcode Progress} needs of time: a clock in milliseconds and a one-shot timer. */
export interface ProgressClock {
  /** Milliseconds since some fixed point. */
  now(): number;
  /** Calls `callback` once, `ms` milliseconds from now; returns what cancels it. */
  setTimeout(callback: () => void, ms: number): { cancel(): void };
}

const REAL_CLOCK: ProgressClock = {
  now: () => performance.now(),
  setTimeout(callback, ms) {
    const timer = setTimeout(callback, ms);
    return { cancel: () => clearTimeout(timer) };
  },
};

const ERASE = "\r\x1b[K";
const MB = 1e6;

/** Formats a byte count in MB with one decimal, as the bar shows it. */
function mb(bytes: number): string {
  return (bytes / MB).toFixed(1);
}

/** A progress bar for one stream of work; {@linkcode Progress.stop} it in a `finally`. */
export class Progress {
  #options: ProgressOptions;
  #bytes = 0;
  #clock: ProgressClock;
  #start: number;
  #timer: { cancel(): void } | undefined;
  #drawn = false;
  #columns: number;

  /** Starts the clock; draws nothing until the delay has passed. */
  constructor(options: ProgressOptions) {
    this.#options = options;
    this.#clock = options.clock ?? REAL_CLOCK;
    this.#start = this.#clock.now();
    this.#columns = options.columns ?? terminalColumns();
    if (options.enabled) {
      const interval = options.interval ?? 100;
      // One timer at a time, each set when the last one fired: a late timer (a busy
      // machine) delays the next draw rather than bunching draws up.
      const tick = () => {
        this.#draw();
        this.#timer = this.#clock.setTimeout(tick, interval);
      };
      this.#timer = this.#clock.setTimeout(tick, options.delay ?? 1000);
    }
  }

  /** Whether the bar is drawn at all. */
  get enabled(): boolean {
    return this.#options.enabled;
  }

  /** Bytes counted so far. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Sets the count (it may go back: an upload resumed from an earlier offset). */
  set bytes(n: number) {
    this.#bytes = n;
  }

  /** Counts `n` more bytes done. */
  add(n: number): void {
    this.#bytes += n;
  }

  /** A pass-through stream that counts the bytes flowing through it. */
  counter(): TransformStream<Uint8Array, Uint8Array> {
    return new TransformStream({
      transform: (chunk, controller) => {
        this.#bytes += chunk.length;
        controller.enqueue(chunk);
      },
    });
  }

  /** The bar's text for the current count (no escapes). */
  line(): string {
    const { label, total } = this.#options;
    const seconds = Math.max((this.#clock.now() - this.#start) / 1000, 0.001);
    const rate = `${mb(this.#bytes / seconds)} MB/s`;
    let figures: string;
    let bar = "";
    if (total !== undefined && total > 0) {
      const fraction = Math.min(this.#bytes / total, 1);
      const width = 20;
      const filled = Math.floor(fraction * width);
      bar = "[" + "=".repeat(filled) + (filled < width ? ">" : "") +
        " ".repeat(Math.max(width - filled - 1, 0)) + "] " +
        `${Math.floor(fraction * 100)}%`.padStart(4) + "  ";
      figures = `${mb(this.#bytes)} / ${mb(total)} MB`;
    } else {
      figures = `${mb(this.#bytes)} MB`;
    }
    const tail = `  ${bar}${figures}  ${rate}`;
    const room = Math.max(this.#columns - 1 - tail.length, 8);
    const shown = label.length <= room ? label : "…" + label.slice(label.length - room + 1);
    return shown + tail;
  }

  #draw(): void {
    this.#options.write(ERASE + this.line());
    this.#drawn = true;
  }

  /** Stops the clock and erases the bar if it was drawn. Safe to call more than once. */
  stop(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
    if (this.#drawn) this.#options.write(ERASE);
    this.#drawn = false;
  }
}

function terminalColumns(): number {
  try {
    return runtime().columns();
  } catch {
    return 80;
  }
}
