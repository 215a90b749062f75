// The kubelet endpoint of every simulated node of one `gifee sim nodes` process: the node agent's own
// stream server (same protocols, same authentication and authorization as a real agent's port)
// listening on 127.0.0.1 only, in front of SimStreamTarget. All nodes advertise this one port; the API
// server names the node it means in the TLS server name (SNI), and each node gets its own serving
// certificate (kubelet-serving signer, naming the node and 127.0.0.1) the first time it is asked for,
// so the API server's check that the certificate names the node and the address holds as for real
// agents. Requests are authorized on the node the server name says, and only for that node's pods.

import { X509Certificate } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls, { type SecureContext, type TLSSocket } from 'node:tls';
import { apiAccessReviews } from '../agent/streams/access-reviews.js';
import { StreamAuth, type AuthOutcome, type StreamAuthorizer } from '../agent/streams/auth.js';
import { parseStreamPath } from '../agent/streams/request.js';
import { startStreamServer } from '../agent/streams/server.js';
import { SIMULATED_NODE_IP } from '../api/simulated-nodes.js';
import type { RestClient } from '../client/rest.js';
import type { Logger } from '../util/log.js';
import { SimStreamTarget, type SimPodLookup } from './kubelet-target.js';
import { syntheticResourceMetrics, type NodeCounter } from './resource-metrics.js';
import { syntheticCadvisorMetrics, syntheticCollection, syntheticSummary } from './synthetic-stats.js';
import type { SimNodeShape } from './node-object.js';
import type { IncomingMessage } from 'node:http';
import type { KubeletStatsEndpoints } from '../agent/streams/stats-endpoints.js';
import { ignoreError } from '../util/best-effort.js';

/** What the endpoint needs from the cluster to be trusted by the API server and to trust it. */
export interface SimKubeletCredentials {
  /** The cluster CA: the API server's kubelet-client certificate must chain to it. */
  clientCA: string;
  /** Users whose client certificates are accepted (the API server's kubelet-client identity). */
  certUsers: readonly string[];
  /** A serving certificate for a simulated node, naming it and 127.0.0.1, signed by the cluster CA. */
  servingCertificate(node: string): Promise<{ cert: string; key: string }>;
}

export interface SimKubeletOptions extends SimKubeletCredentials {
  client: RestClient;
  /** Whether a node name is one of this process's nodes. */
  isOurs(node: string): boolean;
  pods: SimPodLookup;
  log: Logger;
  /** Port on 127.0.0.1; default 0 (any free one). */
  port?: number;
  /** The nodes' advertised capacity (their synthetic statistics' machine figures). */
  shape?: SimNodeShape;
}

export interface SimKubelet {
  port: number;
  target: SimStreamTarget;
  close(): Promise<void>;
}

/** After a failed certificate request, handshakes for that node fail fast for this long before asking again. */
const RETRY_AFTER_FAILURE_MS = 5000;

interface CachedContext {
  ctx: Promise<SecureContext>;
  /** When to ask for a new one (80% of its lifetime), or when a failure may be retried. */
  renewAt: number;
  renewing?: boolean;
  /** The certificate came (this context works). */
  ok?: boolean;
}

export async function startSimKubelet(o: SimKubeletOptions): Promise<SimKubelet> {
  const log = o.log;
  const contexts = new Map<string, CachedContext>();

  const issue = (node: string): CachedContext => {
    const entry = { renewAt: Number.POSITIVE_INFINITY } as CachedContext;
    entry.ctx = o.servingCertificate(node).then(
      (pair) => {
        const c = new X509Certificate(pair.cert);
        const from = Date.parse(c.validFrom);
        entry.renewAt = from + (Date.parse(c.validTo) - from) * 0.8;
        entry.ok = true;
        log.info('serving certificate issued for simulated node', { node, notAfter: c.validTo });
        return tls.createSecureContext({ cert: pair.cert, key: pair.key, ca: o.clientCA });
      },
      (e: Error) => {
        entry.renewAt = Date.now() + RETRY_AFTER_FAILURE_MS;
        log.warn('could not get a serving certificate for a simulated node: the API server cannot reach its kubelet endpoint (logs, exec)', { node, err: e.message });
        throw e;
      },
    );
    entry.ctx.catch(ignoreError('logged above; this keeps the rejection from going unhandled'));
    return entry;
  };

  const contextFor = (node: string): Promise<SecureContext> => {
    let entry = contexts.get(node);
    if (!entry) contexts.set(node, (entry = issue(node)));
    else if (Date.now() >= entry.renewAt && !entry.renewing) {
      // Serve the current one (if it worked) while a new one is asked for; a failed one is asked for again now.
      const current = entry;
      current.renewing = true;
      const next = issue(node);
      const swap = () => contexts.get(node) === current && contexts.set(node, next);
      next.ctx.then(swap, () => {
        // A working certificate is kept until the renewal succeeds (tried again later); a failed one gives way to the new failure's back-off.
        if (!current.ok) return swap();
        current.renewing = false;
        current.renewAt = Date.now() + RETRY_AFTER_FAILURE_MS;
      });
      return current.ctx.catch(() => next.ctx);
    }
    return entry.ctx;
  };

  const sni = (serverName: string, cb: (err: Error | null, ctx?: SecureContext) => void) => {
    if (!serverName || !o.isOurs(serverName)) return cb(new Error(`no simulated node "${serverName}" is served here`));
    contextFor(serverName).then(
      (ctx) => cb(null, ctx),
      (e: Error) => cb(e),
    );
  };

  // The agent's own authentication and authorization, asked about the node the request is for.
  const stream = new StreamAuth({ nodeName: '', certUsers: o.certUsers, reviews: apiAccessReviews(o.client) });
  const auth: StreamAuthorizer = {
    async check(req, path): Promise<AuthOutcome> {
      const node = (req.socket as TLSSocket).servername;
      if (typeof node !== 'string' || !o.isOurs(node)) return { ok: false, code: 403, message: `Forbidden: no simulated node "${node || ''}" is served here` };
      const outcome = await stream.check(req, path, node);
      if (!outcome.ok) return outcome;
      const p = parseStreamPath(path);
      const pod = p && o.pods.get(p.namespace, p.pod);
      if (pod && pod.spec?.nodeName !== node) return { ok: false, code: 403, message: `Forbidden: pod ${p.namespace}/${p.pod} is not on node ${node}` };
      return outcome;
    },
  };

  // Synthetic figures for the node the server name says (resource-metrics.ts, synthetic-stats.ts);
  // its CPU counter persists between scrapes and is shared by the three endpoints, so they agree.
  const counters = new Map<string, NodeCounter>();
  const nodeOf = (req: IncomingMessage) => {
    const node = (req.socket as TLSSocket).servername;
    return typeof node === 'string' && o.isOurs(node) ? node : undefined;
  };
  const counterOf = (node: string) => {
    let counter = counters.get(node);
    if (!counter) counters.set(node, (counter = { ns: 0n, at: Date.now() }));
    return counter;
  };
  const collectionOf = (node: string) => syntheticCollection(node, o.shape, o.pods.onNode?.(node) ?? [], Date.now(), counterOf(node));
  const stats: KubeletStatsEndpoints = {
    async resourceMetrics(req) {
      const node = nodeOf(req);
      if (!node) return '';
      return syntheticResourceMetrics(o.pods.onNode?.(node) ?? [], Date.now(), counterOf(node));
    },
    async cadvisorMetrics(req) {
      const node = nodeOf(req);
      return node ? syntheticCadvisorMetrics(collectionOf(node)) : '';
    },
    async summary(req, onlyCpuAndMemory) {
      const node = nodeOf(req);
      return node ? syntheticSummary(collectionOf(node), onlyCpuAndMemory) : { node: { nodeName: '', systemContainers: [] }, pods: [] };
    },
  };

  const target = new SimStreamTarget(o.pods, await mkdtemp(join(tmpdir(), 'gifee-sim-logs-')));
  try {
    const server = await startStreamServer({ host: SIMULATED_NODE_IP, port: o.port ?? 0, tls: { clientCA: o.clientCA, sni }, auth, target, log: log.child({ part: 'kubelet' }), stats });
    return {
      port: server.port,
      target,
      close: async () => {
        await server.close();
        await target.close();
      },
    };
  } catch (e) {
    await target.close();
    throw e;
  }
}
