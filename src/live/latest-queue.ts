/**
 * A per-subscriber queue that never grows without bound: past `limit` waiting items it keeps
 * only the newest (each item is a whole state, so the newest one supersedes the rest).
 */
export class LatestQueue<T> {
  private items: T[] = [];
  private waiter: ((item: T | undefined) => void) | undefined;
  private closed = false;

  private readonly limit: number;

  constructor(limit: number) {
    this.limit = limit;
  }

  push(item: T): void {
    if (this.closed) return;
    if (this.waiter) {
      const wake = this.waiter;
      this.waiter = undefined;
      wake(item);
      return;
    }
    this.items.push(item);
    if (this.items.length > this.limit) this.items = this.items.slice(-1);
  }

  /** The next item, or undefined once closed. */
  next(): Promise<T | undefined> {
    const item = this.items.shift();
    if (item !== undefined) return Promise.resolve(item);
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => (this.waiter = resolve));
  }

  close(): void {
    this.closed = true;
    this.items = [];
    this.waiter?.(undefined);
    this.waiter = undefined;
  }
}
