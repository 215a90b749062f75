// A bounded map that forgets the least recently used entry, so the correlator's memory stays fixed
// however many distinct objects a component reports on (client-go keeps 4096 entries per cache).

export class Lru<V> {
  private map = new Map<string, V>();
  constructor(private capacity = 4096) {}

  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  set(key: string, value: V) {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value as string);
  }

  delete(key: string) {
    this.map.delete(key);
  }

  get size() {
    return this.map.size;
  }
}
