// A small map whose entries expire, bounded in size (the oldest entry goes first when full): the
// agent's memory of recent TokenReview and SubjectAccessReview answers.

export class TtlCache<V> {
  private entries = new Map<string, { value: V; expires: number }>();

  constructor(
    private maxEntries: number,
    private now: () => number = Date.now,
  ) {}

  get(key: string): V | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.expires <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return e.value;
  }

  set(key: string, value: V, ttlMs: number) {
    if (ttlMs <= 0) return;
    this.entries.delete(key);
    while (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { value, expires: this.now() + ttlMs });
  }

  get size() {
    return this.entries.size;
  }
}
