// Controller expectations (client-go's ControllerExpectations/UIDTrackingControllerExpectations):
// after a controller asks for N pods it waits until its informer has seen them, so a lagging cache
// never makes it create (or delete) the same pods twice. Expectations expire after five minutes,
// so a lost watch event can delay a controller but never wedge it.

const TTL_MS = 5 * 60 * 1000;

interface Expectation {
  adds: number;
  deletes: Set<string>;
  at: number;
}

export class Expectations {
  private byKey = new Map<string, Expectation>();

  constructor(private ttlMs = TTL_MS) {}

  /** True when the controller may act on `key`: nothing pending, or what was pending expired. */
  satisfied(key: string, now = Date.now()): boolean {
    const e = this.byKey.get(key);
    if (!e) return true;
    if (e.adds <= 0 && e.deletes.size === 0) return true;
    return now - e.at > this.ttlMs;
  }

  expectCreations(key: string, n: number) {
    this.byKey.set(key, { adds: n, deletes: new Set(), at: Date.now() });
  }

  expectDeletions(key: string, podKeys: string[]) {
    this.byKey.set(key, { adds: 0, deletes: new Set(podKeys), at: Date.now() });
  }

  creationObserved(key: string) {
    const e = this.byKey.get(key);
    if (e) e.adds--;
  }

  deletionObserved(key: string, podKey: string) {
    this.byKey.get(key)?.deletes.delete(podKey);
  }

  forget(key: string) {
    this.byKey.delete(key);
  }
}
