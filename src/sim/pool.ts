// Bounded concurrency: run many API requests with at most `limit` in flight, so registering or
// heartbeating thousands of simulated nodes neither floods the server nor runs one at a time.

export async function forEachLimited<T>(items: Iterable<T>, limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  const it = items[Symbol.iterator]();
  const worker = async () => {
    for (let n = it.next(); !n.done; n = it.next()) await fn(n.value);
  };
  await Promise.all(Array.from({ length: Math.max(1, limit) }, worker));
}
