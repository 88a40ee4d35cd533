/** What a full queue does with one more value: refuse it (`push` says false, the producer decides), or drop the oldest. */
export type Overflow = "refuse" | "drop-oldest";

export interface BoundedQueueOptions {
  /** Values that may wait at most. */
  max: number;
  overflow?: Overflow;
  /** Called once when the consumer stops (`return()` or `throw()`), not when the producer ends it. */
  onReturn?: () => void;
}

const DONE = { value: undefined, done: true } as const;

/**
 * Values handed from a producer (`push`, then `end` or `fail`) to one
 * consumer, which iterates them. At most `max` wait; what a full queue does
 * with one more is its `overflow`. Once ended or failed, what waits is still
 * taken, then the iteration ends (or throws). Not an async generator:
 * `return()` takes effect at once, even while the consumer waits for a value.
 */
export class BoundedQueue<T> implements AsyncIterableIterator<T> {
  private items: T[] = [];
  private waiters: (() => void)[] = [];
  private state: "open" | "ended" | "failed" | "returned" = "open";
  private error: unknown;

  constructor(private readonly options: BoundedQueueOptions) {}

  /** Values waiting now. */
  get size(): number {
    return this.items.length;
  }

  /** Whether the producer may still push: neither ended, failed nor returned. */
  get open(): boolean {
    return this.state === "open";
  }

  /** Adds `value`; false when it was not taken: the queue is closed, or full and refuses. */
  push(value: T): boolean {
    if (this.state !== "open") return false;
    if (this.items.length >= this.options.max) {
      if (this.options.overflow !== "drop-oldest") return false;
      this.items.shift();
    }
    this.items.push(value);
    this.wake();
    return true;
  }

  /** No more values: the consumer takes what waits, then the iteration ends. */
  end(): void {
    if (this.state !== "open") return;
    this.state = "ended";
    this.wake();
  }

  /** As `end`, but the iteration then throws `error`. */
  fail(error: unknown): void {
    if (this.state !== "open") return;
    this.state = "failed";
    this.error = error;
    this.wake();
  }

  /** Drops what waits (the queue stays as it is otherwise). */
  clear(): void {
    this.items.length = 0;
  }

  async next(): Promise<IteratorResult<T>> {
    for (;;) {
      if (this.state === "returned") return DONE;
      if (this.items.length > 0) return { value: this.items.shift()!, done: false };
      if (this.state === "ended") return DONE;
      if (this.state === "failed") {
        this.state = "returned";
        throw this.error;
      }
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  async return(): Promise<IteratorResult<T>> {
    if (this.state !== "returned") {
      this.state = "returned";
      this.items.length = 0;
      this.wake();
      this.options.onReturn?.();
    }
    return DONE;
  }

  async throw(error?: unknown): Promise<IteratorResult<T>> {
    await this.return();
    throw error;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}
