// One request's audit record. The server starts it on arrival (begin), tells it what the request
// addresses, who sent it and what the authorizer said; it then writes the policy's stages on its
// own: RequestReceived once the level is known, ResponseStarted when a long-running response sends
// its headers, ResponseComplete when the response is done, Panic if the handler blew up. Bodies are
// captured only at the levels that log them, and only up to a bound.

import { auditAnnotationsFor } from './annotations.js';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { metrics } from '../../util/metrics.js';
import type { Logger } from '../../util/log.js';
import type { UserInfo } from '../context.js';
import type { RequestInfo } from '../request-info.js';
import { isLongRunning } from '../limits/long-running.js';
import { decodeBody } from '../body.js';
import type { KindRegistry } from '../../api/registry.js';
import { attributesOf } from '../authz/attributes.js';
import type { Attributes, Authorizer } from '../authz/types.js';
import { type AuditEvent, type ObjectReference, type ResponseStatus, auditUser, microTime, withoutManagedFields } from './event.js';
import { AuditLogWriter, type AuditLogOptions } from './log-writer.js';
import { type AuditDecision, decide } from './policy-checker.js';
import type { Policy, Stage } from './policy.js';

/** What the server calls while it handles a request; all no-ops when auditing is off. */
export interface RequestAudit {
  requestInfo(info: RequestInfo): void;
  authenticated(user: UserInfo): void;
  /** For impersonation (Impersonate-User): the user the request acts as from here on. */
  impersonated(user: UserInfo): void;
  /** The authorizer, wrapped to note its decision in the event's annotations. */
  authorizer(a: Authorizer): Authorizer;
  /** The handler threw past every catch: a Panic event. */
  panic(e: unknown): void;
}

export const noAudit: RequestAudit = { requestInfo() {}, authenticated() {}, impersonated() {}, authorizer: (a) => a, panic() {} };

export interface AuditOptions extends AuditLogOptions {
  policy: Policy;
  /** Largest request or response body logged (default 1 MiB); a larger one is left out. */
  maxBodyBytes?: number;
}

const events = metrics.counter('apiserver_audit_event_total', 'Counter of audit events generated and sent to the audit backend.');
const levels = metrics.counter('apiserver_audit_level_total', 'Counter of policy levels for audit events (1 per request).');

const ANONYMOUS: UserInfo = { name: 'system:anonymous', groups: ['system:unauthenticated'] };
/** Who sent a request whose credentials failed: unknown (Kubernetes logs an empty user). */
const UNAUTHENTICATED: UserInfo = { name: '', groups: [] };
const LEVEL_RANK = { None: 0, Metadata: 1, Request: 2, RequestResponse: 3 } as const;

export class Auditor {
  readonly writer: AuditLogWriter;
  /** Whether any rule logs bodies: only then are request bodies tapped from the start. */
  private readonly anyBodies: boolean;

  constructor(
    readonly o: AuditOptions,
    log?: Logger,
    /** For request bodies in protobuf: their kind's schema decodes them. */
    readonly registry?: KindRegistry,
  ) {
    this.writer = new AuditLogWriter(o, log);
    this.anyBodies = o.policy.rules.some((r) => LEVEL_RANK[r.level] >= LEVEL_RANK.Request);
  }

  begin(req: IncomingMessage, res: ServerResponse): RequestAudit {
    return new Recorder(this, req, res, this.anyBodies);
  }

  emit(e: AuditEvent) {
    events.inc();
    this.writer.write(JSON.stringify(e));
  }

  close(): Promise<void> {
    return this.writer.close();
  }
}

/** A bounded copy of the bytes passing through: dropped (undefined) once past the limit. */
class Tap {
  chunks: Buffer[] | undefined = [];
  size = 0;
  constructor(private readonly limit: number) {}
  add(chunk: unknown, encoding?: unknown) {
    if (!this.chunks || chunk === undefined || chunk === null || typeof chunk === 'function') return;
    const b = Buffer.isBuffer(chunk) ? chunk : typeof chunk === 'string' ? Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8') : chunk instanceof Uint8Array ? Buffer.from(chunk) : undefined;
    if (!b) return;
    this.size += b.length;
    if (this.size > this.limit) this.chunks = undefined;
    else this.chunks.push(b);
  }
  json(): unknown {
    if (!this.chunks?.length) return undefined;
    try {
      return JSON.parse(Buffer.concat(this.chunks).toString('utf8'));
    } catch {
      return undefined;
    }
  }
  /** The body decoded as the handlers decode it (JSON, YAML or protobuf); undefined if it does not decode. */
  decoded(contentType: string | undefined, schema?: import('../../api/schema.js').ObjectSchema): unknown {
    if (!this.chunks?.length) return undefined;
    try {
      return decodeBody(Buffer.concat(this.chunks), contentType, schema).value;
    } catch {
      return undefined;
    }
  }
}

const bodyMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

class Recorder implements RequestAudit {
  private readonly auditID: string;
  private readonly received = new Date();
  private info?: RequestInfo;
  private user?: UserInfo;
  private impersonatedUser?: UserInfo;
  private attrs?: Attributes;
  private decision?: AuditDecision;
  private annotations: Record<string, string> = {};
  private requestTap?: Tap;
  private responseTap?: Tap;
  private errorTap?: Tap;
  private done = false;
  /** A long-running response's headers went out (ResponseStarted written). */
  private started = false;

  constructor(
    private readonly auditor: Auditor,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    tapBodies: boolean,
  ) {
    const given = req.headers['audit-id'];
    // A client's Audit-ID is kept (as Kubernetes does), if it is a sane token.
    this.auditID = typeof given === 'string' && /^[\w.:-]{1,64}$/.test(given) ? given : randomUUID();
    if (!res.headersSent) res.setHeader('Audit-ID', this.auditID);
    if (tapBodies && bodyMethods.has(req.method ?? '')) this.tapRequest();
    res.once('close', () => this.complete());
  }

  requestInfo(info: RequestInfo) {
    this.info = info;
  }

  authenticated(user: UserInfo) {
    this.user = user;
    this.evaluate();
  }

  impersonated(user: UserInfo) {
    this.impersonatedUser = user;
  }

  authorizer(inner: Authorizer): Authorizer {
    return {
      name: inner.name,
      authorize: async (a) => {
        const r = await inner.authorize(a);
        this.annotations['authorization.k8s.io/decision'] = r.decision === 'allow' ? 'allow' : 'forbid';
        this.annotations['authorization.k8s.io/reason'] = r.reason;
        return r;
      },
    };
  }

  panic(e: unknown) {
    if (!this.evaluate() || this.done) return;
    this.done = true;
    this.emit('Panic', { metadata: {}, status: 'Failure', message: `APIServer panic'd: ${e instanceof Error ? e.message : String(e)}`, reason: 'InternalError', code: 500 });
  }

  /** Decide the level once the user is known (or at the end, for requests that never authenticated); false for None. */
  private evaluate(): boolean {
    if (!this.decision) {
      const info: RequestInfo = this.info ?? { kind: 'other', path: (this.req.url ?? '').split('?')[0] };
      // Never authenticated: a public path (anonymous), or credentials that failed (401, once complete).
      this.user ??= this.res.statusCode === 401 && this.res.headersSent ? UNAUTHENTICATED : ANONYMOUS;
      this.attrs = attributesOf(this.req.method ?? 'GET', info, this.user);
      this.decision = decide(this.auditor.o.policy, this.attrs);
      levels.inc({ level: this.decision.level });
      if (this.decision.level === 'None') {
        this.requestTap = undefined;
        return false;
      }
      if (LEVEL_RANK[this.decision.level] < LEVEL_RANK.Request) this.requestTap = undefined;
      this.tapResponse(this.decision.level === 'RequestResponse' && !isLongRunning(info));
      this.emit('RequestReceived');
    }
    return this.decision.level !== 'None';
  }

  /** Copies the body as the socket delivers it, whoever reads it later. */
  private tapRequest() {
    const tap = new Tap(this.auditor.o.maxBodyBytes ?? 1024 * 1024);
    this.requestTap = tap;
    const req = this.req;
    const push = req.push;
    req.push = (chunk: unknown, encoding?: BufferEncoding) => {
      if (this.requestTap) tap.add(chunk, encoding);
      return push.call(req, chunk, encoding);
    };
  }

  /** Copies the response body (RequestResponse), or just an error Status (its message goes into responseStatus). */
  private tapResponse(whole: boolean) {
    const res = this.res;
    const limit = this.auditor.o.maxBodyBytes ?? 1024 * 1024;
    if (whole) this.responseTap = new Tap(limit);
    const longRunning = this.info !== undefined && isLongRunning(this.info);
    const write = res.write;
    const end = res.end;
    const writeHead = res.writeHead;
    const self = this;
    res.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
      self.seen(chunk, rest[0]);
      return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
    } as typeof res.write;
    res.end = function (this: ServerResponse, chunk?: unknown, ...rest: unknown[]) {
      self.seen(chunk, rest[0]);
      return (end as (...a: unknown[]) => ServerResponse).call(this, chunk, ...rest);
    } as typeof res.end;
    if (longRunning) {
      res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
        const r = (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
        if (!self.done && !self.started) {
          self.started = true;
          self.emit('ResponseStarted', { metadata: {}, code: this.statusCode });
        }
        return r;
      } as typeof res.writeHead;
    }
  }

  private seen(chunk: unknown, encoding: unknown) {
    this.responseTap?.add(chunk, encoding);
    if (this.res.statusCode >= 400) (this.errorTap ??= new Tap(64 * 1024)).add(chunk, encoding);
  }

  private complete() {
    if (this.done) return;
    this.done = true;
    if (!this.evaluate()) return;
    const status: ResponseStatus = { metadata: {}, code: this.res.statusCode };
    const err = this.errorTap?.json() as { status?: unknown; message?: unknown; reason?: unknown } | undefined;
    if (err && typeof err === 'object') {
      if (typeof err.status === 'string') status.status = err.status;
      if (typeof err.message === 'string') status.message = err.message;
      if (typeof err.reason === 'string') status.reason = err.reason;
    }
    this.emit('ResponseComplete', status);
  }

  private requestObject(): unknown {
    if (!this.requestTap) return undefined;
    const a = this.attrs;
    const def = a?.resourceRequest ? this.auditor.registry?.byResource(a.apiGroup ?? '', a.apiVersion ?? '', a.resource ?? '') : undefined;
    return this.requestTap.decoded(this.req.headers['content-type'], def?.schema);
  }

  private emit(stage: Stage, responseStatus?: ResponseStatus) {
    const d = this.decision!;
    if (d.omitStages.includes(stage)) return;
    const a = this.attrs!;
    const e: AuditEvent = {
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      level: d.level,
      auditID: this.auditID,
      stage,
      requestURI: this.req.url ?? '',
      verb: a.verb,
      user: auditUser(this.user ?? ANONYMOUS),
      ...(this.impersonatedUser ? { impersonatedUser: auditUser(this.impersonatedUser) } : {}),
      sourceIPs: sourceIPs(this.req),
      ...(this.req.headers['user-agent'] ? { userAgent: String(this.req.headers['user-agent']).slice(0, 1024) } : {}),
      ...(a.resourceRequest ? { objectRef: objectRef(a) } : {}),
      ...(responseStatus ? { responseStatus } : {}),
      requestReceivedTimestamp: microTime(this.received),
      stageTimestamp: microTime(new Date()),
    };
    if (stage === 'ResponseComplete' || stage === 'Panic') {
      const strip = d.omitManagedFields ? withoutManagedFields : (v: unknown) => v;
      const requestObject = this.requestObject();
      const responseObject = this.responseTap?.json();
      if (requestObject !== undefined) e.requestObject = strip(requestObject);
      if (responseObject !== undefined) e.responseObject = strip(responseObject);
      // A create names its object only in the body.
      const named = (responseObject ?? requestObject) as { metadata?: { name?: unknown } } | undefined;
      if (e.objectRef && !e.objectRef.name && a.verb === 'create' && typeof named?.metadata?.name === 'string') e.objectRef.name = named.metadata.name;
    }
    // Admission's own (annotations.ts) join the recorder's authorization ones.
    const annotations = { ...auditAnnotationsFor(this.req), ...this.annotations };
    if (Object.keys(annotations).length) e.annotations = annotations;
    this.auditor.emit(e);
  }
}

function objectRef(a: Attributes): ObjectReference {
  const r: ObjectReference = { resource: a.resource };
  if (a.namespace) r.namespace = a.namespace;
  if (a.name) r.name = a.name;
  if (a.apiGroup) r.apiGroup = a.apiGroup;
  if (a.apiVersion) r.apiVersion = a.apiVersion;
  if (a.subresource) r.subresource = a.subresource;
  return r;
}

/** X-Forwarded-For's addresses, X-Real-Ip, then the connection's (as Kubernetes lists them), at most 16. */
function sourceIPs(req: IncomingMessage): string[] {
  const out: string[] = [];
  const xff = req.headers['x-forwarded-for'];
  if (typeof xff === 'string')
    for (const p of xff.split(',')) {
      const ip = p.trim();
      if (ip) out.push(ip);
    }
  const real = req.headers['x-real-ip'];
  if (typeof real === 'string' && real.trim()) out.push(real.trim());
  const remote = req.socket?.remoteAddress;
  if (remote && !out.includes(remote)) out.push(remote);
  return out.slice(0, 16);
}
