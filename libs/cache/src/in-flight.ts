/** In-process single-flight: concurrent calls with one key share the first call's promise. */
export class InFlight<T = unknown> {
  private readonly running = new Map<string, Promise<T>>();

  get(key: string): Promise<T> | undefined {
    return this.running.get(key);
  }

  run(key: string, work: () => Promise<T>): Promise<T> {
    const current = this.running.get(key);
    if (current) return current;
    const promise = work().finally(() => this.running.delete(key));
    this.running.set(key, promise);
    return promise;
  }
}
