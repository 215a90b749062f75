// A client-side load balancer over several API servers that share one CA and one set of
// credentials (k3s' agent load balancer, inside the REST client instead of a local TCP proxy).
//
// The client sticks to one server while it works, so its watches and keep-alive connections stay
// put; a server that fails to connect, times out or answers a gateway error is marked bad and the
// next one is used. A bad server is tried again only after a back-off that doubles with each
// failure (1 s up to 30 s): the request that falls through to it once the back-off is over is its
// probe, and a success clears it. `chooseServer` is the whole policy, pure, so it has table tests.

/** What the pool knows about one server. */
export interface ServerState {
  url: string;
  /** Failures since its last success; 0 = healthy. */
  failures: number;
  /** Not to be tried again before this time (ms since the epoch) unless every server is in back-off. */
  retryAt: number;
}

/**
 * Which server a request goes to: the current one while it is healthy; else the first healthy one
 * after it (in list order, wrapping); else the first whose back-off is over; else, every server being
 * in back-off, the one whose back-off ends first (trying beats failing without trying). Servers in
 * `exclude` (those a request already failed on) are never chosen; undefined when none is left.
 */
export function chooseServer(states: readonly ServerState[], current: string | undefined, now: number, exclude: ReadonlySet<string> = new Set()): string | undefined {
  const open = states.filter((s) => !exclude.has(s.url));
  if (open.length === 0) return undefined;
  const cur = open.find((s) => s.url === current);
  if (cur && cur.failures === 0) return cur.url;
  // Order from just after the current server, so a failing one hands over to its next, not to the first.
  const at = states.findIndex((s) => s.url === current);
  const rotated = at < 0 ? open : [...states.slice(at + 1), ...states.slice(0, at + 1)].filter((s) => !exclude.has(s.url));
  const healthy = rotated.find((s) => s.failures === 0);
  if (healthy) return healthy.url;
  const due = rotated.find((s) => s.retryAt <= now);
  if (due) return due.url;
  return rotated.reduce((a, b) => (b.retryAt < a.retryAt ? b : a)).url;
}

/** The back-off after a server's nth failure in a row: 1 s, 2 s, 4 s ... up to 30 s. */
export function retryDelayMs(failures: number, baseMs = 1000, maxMs = 30_000): number {
  return Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(failures - 1, 0), 20));
}

/** At most this many servers learned from the `kubernetes` Endpoints (a hostile list stays small). */
export const MAX_LEARNED_SERVERS = 16;

export interface ServerPoolOptions {
  baseMs?: number;
  maxMs?: number;
  now?: () => number;
  /** Told when the pool moves from one server to another (for a log line). */
  onSwitch?: (from: string | undefined, to: string, why: string) => void;
}

export class ServerPool {
  private states: ServerState[] = [];
  private current: string | undefined;
  private readonly seeds: string[];

  /** seeds: the configured servers, kept whatever is learned later; the first is tried first. */
  constructor(
    seeds: readonly string[],
    private readonly opts: ServerPoolOptions = {},
  ) {
    this.seeds = dedupe(seeds.map(normalize));
    if (this.seeds.length === 0) throw new Error('a server pool needs at least one server');
    this.states = this.seeds.map((url) => ({ url, failures: 0, retryAt: 0 }));
    this.current = this.seeds[0];
  }

  private now() {
    return this.opts.now?.() ?? Date.now();
  }

  /** Every server the pool may use: seeds first, then learned ones. */
  get servers(): string[] {
    return this.states.map((s) => s.url);
  }

  /** A copy of the servers' states (for tests and status). */
  snapshot(): ServerState[] {
    return this.states.map((s) => ({ ...s }));
  }

  /** The server the next request goes to, or undefined when every one is in `exclude`. */
  pick(exclude?: ReadonlySet<string>): string | undefined {
    const url = chooseServer(this.states, this.current, this.now(), exclude);
    if (url !== undefined && url !== this.current && !exclude?.size) this.switchTo(url, 'the current server is failing');
    return url;
  }

  private switchTo(url: string, why: string) {
    const from = this.current;
    this.current = url;
    if (from !== url) this.opts.onSwitch?.(from, url, why);
  }

  /** A request to url worked: the server is healthy again. */
  succeeded(url: string) {
    const s = this.states.find((x) => x.url === url);
    if (!s || s.failures === 0) return;
    s.failures = 0;
    s.retryAt = 0;
  }

  /**
   * A request to url failed at the connection (or timed out, or hit a gateway error): back it off
   * and move off it. Failures of requests already in flight during its back-off count once, so one
   * outage seen by many requests does not push the back-off to its maximum at once.
   */
  failed(url: string, why: string) {
    const s = this.states.find((x) => x.url === url);
    if (!s) return;
    const now = this.now();
    if (s.failures > 0 && s.retryAt > now) return;
    s.failures++;
    s.retryAt = now + retryDelayMs(s.failures, this.opts.baseMs, this.opts.maxMs);
    if (this.current === url) {
      const next = chooseServer(this.states, url, now);
      if (next && next !== url) this.switchTo(next, why);
    }
  }

  /**
   * The servers learned from the cluster (the `kubernetes` Endpoints), replacing those learned
   * before; seeds always stay. Known servers keep their state; at most MAX_LEARNED_SERVERS are taken.
   */
  setLearned(urls: readonly string[]) {
    const learned = dedupe(urls.map(normalize))
      .filter((u) => !this.seeds.includes(u))
      .slice(0, MAX_LEARNED_SERVERS);
    const old = new Map(this.states.map((s) => [s.url, s]));
    this.states = [...this.seeds, ...learned].map((url) => old.get(url) ?? { url, failures: 0, retryAt: 0 });
    // A current server no longer listed (it left the cluster): move on once it has no seat.
    if (this.current && !this.states.some((s) => s.url === this.current)) {
      const next = chooseServer(this.states, undefined, this.now());
      if (next) this.switchTo(next, 'the current server left the kubernetes endpoints');
    }
  }
}

function normalize(url: string): string {
  return url.replace(/\/+$/, '');
}

function dedupe(xs: string[]): string[] {
  return [...new Set(xs)];
}
