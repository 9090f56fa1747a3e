/**
 * A sleep that ends early when something worth acting on happens: the server process exited, its log says it
 * is ready, the job was cancelled. That is what lets a dead server be named at once rather than at the next tick.
 */
export class Waker {
  private pending: Array<() => void> = [];
  private woken = false;

  wake(): void {
    this.woken = true;
    const waiting = this.pending;
    this.pending = [];
    for (const resolve of waiting) resolve();
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (this.woken || signal?.aborted) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.pending = this.pending.filter((r) => r !== done);
        this.woken = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
      this.pending.push(done);
    });
  }
}
