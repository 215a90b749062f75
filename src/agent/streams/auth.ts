// Who may use the agent's port, as the kubelet decides in webhook mode: a caller is authenticated by
// a client certificate signed by the cluster CA (accepted only for the API server's own
// kubelet-client identity) or by a bearer token the API server vouches for (TokenReview); each
// request is then authorized by a SubjectAccessReview on the node's subresource its path maps to
// (nodes/proxy for exec, attach, port-forward and container logs; nodes/log, nodes/stats,
// nodes/metrics, nodes/spec). Answers are cached briefly (the kubelet's defaults: tokens 2 min,
// allowed 5 min, denied 30 s), so a busy `kubectl logs -f` loop costs no review per request.

import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { AccessReviews, Caller } from './access-reviews.js';
import { TtlCache } from './ttl-cache.js';

export interface StreamAuthOptions {
  nodeName: string;
  /** The only users whose client certificates (signed by the port's client CA) are accepted. */
  certUsers: readonly string[];
  /** The API's reviews; without them certificate users are allowed every path and tokens are refused (stream protocol tests). */
  reviews?: AccessReviews;
  tokenTtlMs?: number;
  allowedTtlMs?: number;
  deniedTtlMs?: number;
  maxCacheEntries?: number;
}

export type AuthOutcome = { ok: true; user: Caller } | { ok: false; code: 401 | 403; message: string };

/** What the stream server asks of its authenticator: may this request use this path? Never throws. */
export interface StreamAuthorizer {
  check(req: IncomingMessage, path: string): Promise<AuthOutcome>;
}

const VERBS: Record<string, string> = { GET: 'get', HEAD: 'get', POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };

const isSubpath = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}/`);

/** The node subresource a path is authorized as (Kubernetes' kubelet: proxy unless a specific one applies). */
export function subresourceOf(path: string): string {
  if (isSubpath(path, '/stats')) return 'stats';
  if (isSubpath(path, '/metrics')) return 'metrics';
  if (isSubpath(path, '/logs')) return 'log';
  if (isSubpath(path, '/spec')) return 'spec';
  if (isSubpath(path, '/checkpoint')) return 'checkpoint';
  return 'proxy';
}

export const verbOf = (method: string | undefined) => VERBS[method ?? ''] ?? (method ?? '').toLowerCase();

const unauthorized = (): AuthOutcome => ({ ok: false, code: 401, message: 'Unauthorized' });
const forbidden = (user: string, verb: string, subresource: string): AuthOutcome => ({ ok: false, code: 403, message: `Forbidden (user=${user}, verb=${verb}, resource=nodes, subresource=${subresource})` });

export class StreamAuth implements StreamAuthorizer {
  private tokens: TtlCache<Caller | null>;
  private decisions: TtlCache<boolean>;

  constructor(private o: StreamAuthOptions) {
    this.tokens = new TtlCache(o.maxCacheEntries ?? 1024);
    this.decisions = new TtlCache(o.maxCacheEntries ?? 1024);
  }

  /**
   * Authenticates and authorizes one request (upgrade or not) for its path, on this agent's node or
   * on `node` (a process serving several simulated nodes names the one the request is for). Never throws.
   */
  async check(req: IncomingMessage, path: string, node = this.o.nodeName): Promise<AuthOutcome> {
    const who = await this.authenticate(req).catch(() => null);
    if (!who) return unauthorized();
    const { user, via } = who;
    const verb = verbOf(req.method);
    const subresource = subresourceOf(path);
    // A certificate of any other user (a node's, a person's) is refused: only the API server reaches
    // this port with a certificate; everyone else comes through the API server, or with a token.
    if (via === 'certificate' && !this.o.certUsers.includes(user.name)) return forbidden(user.name, verb, subresource);
    if (!(await this.authorize(user, verb, subresource, node).catch(() => false))) return forbidden(user.name, verb, subresource);
    return { ok: true, user };
  }

  private async authenticate(req: IncomingMessage): Promise<{ user: Caller; via: 'certificate' | 'token' } | null> {
    const sock = req.socket as TLSSocket;
    const cert = sock.getPeerCertificate?.();
    if (cert && Object.keys(cert).length > 0) {
      // A certificate that does not chain to the cluster CA is a failed authentication, not anonymity.
      if (!sock.authorized) return null;
      const cn = cert.subject?.CN;
      const o = cert.subject?.O;
      const name = Array.isArray(cn) ? cn[0] : cn;
      if (!name) return null;
      return { user: { name, groups: [...(Array.isArray(o) ? o : o ? [o] : []), 'system:authenticated'] }, via: 'certificate' };
    }
    const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    if (!m || !this.o.reviews) return null;
    const user = await this.reviewToken(m[1]);
    return user ? { user, via: 'token' } : null;
  }

  private async reviewToken(token: string): Promise<Caller | null> {
    const key = createHash('sha256').update(token).digest('hex');
    const cached = this.tokens.get(key);
    if (cached !== undefined) return cached;
    const user = await this.o.reviews!.tokenReview(token);
    // Refusals are remembered briefly too, so a stream of bad tokens does not become a stream of reviews.
    this.tokens.set(key, user, user ? (this.o.tokenTtlMs ?? 120_000) : (this.o.deniedTtlMs ?? 30_000));
    return user;
  }

  /** The API's SubjectAccessReview answer (cached); without reviews, only the certificate users got this far. */
  private async authorize(user: Caller, verb: string, subresource: string, node: string): Promise<boolean> {
    if (!this.o.reviews) return true;
    const key = JSON.stringify([user.name, user.uid ?? '', [...user.groups].sort(), user.extra ?? {}, verb, subresource, node]);
    const cached = this.decisions.get(key);
    if (cached !== undefined) return cached;
    const allowed = await this.o.reviews.subjectAccessReview(user, { verb, node, subresource });
    this.decisions.set(key, allowed, allowed ? (this.o.allowedTtlMs ?? 300_000) : (this.o.deniedTtlMs ?? 30_000));
    return allowed;
  }
}
