// The cluster DNS server. By the lead's design it runs inside each node agent, listening on UDP and
// TCP port 53 on the node's pod-bridge gateway address (the first IP of node.spec.podCIDR, which
// every pod on the node already routes to), like NodeLocal DNSCache: no ClusterIP and no proxy are
// needed for DNS, and queries never leave the node. Cluster names are answered from informer caches
// (never an API request per query); other names are forwarded to the host's resolvers.

import * as packet from 'dns-packet';
import type { Answer, DecodedPacket, Question } from 'dns-packet';
import { randomInt } from 'node:crypto';
import type { RestClient } from '../client/rest.js';
import type { InformerFactory } from '../client/informer-factory.js';
import type { Logger } from '../util/log.js';
import { ClusterRecords } from './cluster-records.js';
import { Forwarder, parseUpstream, UpstreamError } from './forward.js';
import { dnsDuration, dnsForwardFailures, dnsQueries, dnsTruncated, typeLabel } from './metrics.js';
import { normalize, parseName } from './names.js';
import { Resolver } from './resolve.js';
import { listen, type Listener, type Proto } from './transport.js';
import { encodeHeaderOnly, encodeReply, rcodeOf, udpLimit, type RcodeName } from './wire.js';

export interface DnsServerOptions {
  client: RestClient;
  /** The process's shared informers; without them this component keeps its own. */
  informers?: InformerFactory;
  listen: { host: string; port: number };
  clusterDomain?: string;
  /** Resolvers for names outside the cluster ("ip" or "ip:port"), usually the host's (see hostResolvers()). */
  upstream: string[];
  log: Logger;
  /** Watch all pods for verified pod records and pod PTRs (default true; see ClusterRecordsOptions). */
  watchPods?: boolean;
  /** Per upstream, per attempt (default 2000 ms). */
  forwardTimeoutMs?: number;
}

export interface DnsServer {
  port: number;
  stop(): Promise<void>;
}

const OPCODE_QUERY = 0;
const MAX_FORWARDS_IN_FLIGHT = 1024;
/** Per-query logs only at debug level (GIFEE_LOG=debug): decided once, not per query. */
const debugQueries = process.env.GIFEE_LOG === 'debug';

export async function startDnsServer(o: DnsServerOptions): Promise<DnsServer> {
  const zone = normalize(o.clusterDomain ?? 'cluster.local');
  const log = o.log;
  const records = new ClusterRecords({ client: o.client, informers: o.informers, zone, log, watchPods: o.watchPods ?? true });
  await records.start();
  const resolver = new Resolver(records, zone);
  // Never forward to ourselves (a host whose resolv.conf already points at this server).
  const upstreams = o.upstream.map(parseUpstream).filter((u) => !(u.host === o.listen.host && u.port === (o.listen.port || 53)));
  const forwarder = new Forwarder(upstreams, { timeoutMs: o.forwardTimeoutMs ?? 2000, maxInFlight: MAX_FORWARDS_IN_FLIGHT });
  let lastForwardWarning = 0;

  const forward = async (raw: Buffer): Promise<Buffer | undefined> => {
    try {
      return await forwarder.forward(raw);
    } catch (e) {
      dnsForwardFailures.inc();
      // Warn at most every 10s: an unreachable upstream would otherwise log once per query.
      if (Date.now() - lastForwardWarning > 10_000) {
        lastForwardWarning = Date.now();
        log.warn('forwarding to the upstream resolvers failed', { err: e instanceof UpstreamError ? e.message : e, upstreams: upstreams.map((u) => `${u.host}:${u.port}`) });
      }
      return undefined;
    }
  };

  /** An ExternalName's target for the same type: from the cluster when it is in the zone, else upstream. */
  const chase = async (question: Question, cname: Answer, target: string): Promise<{ rcode: RcodeName; answers: Answer[]; authorities: Answer[] }> => {
    const targetQ: Question = { ...question, name: target };
    if (parseName(target, zone).kind !== 'external') {
      const r = resolver.resolve(targetQ);
      if (r.kind === 'answer') return { rcode: r.rcode, answers: [cname, ...r.answers], authorities: r.authorities };
      return { rcode: 'NOERROR', answers: [cname], authorities: [] }; // an alias of an alias: one level only
    }
    const sub = packet.encode({ type: 'query', id: randomInt(0, 0x10000), flags: packet.RECURSION_DESIRED, questions: [targetQ], additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 4096, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }] });
    const reply = await forward(sub);
    if (!reply) return { rcode: 'SERVFAIL' as RcodeName, answers: [cname], authorities: [] };
    const d = packet.decode(reply);
    return { rcode: (rcodeOf(reply) as RcodeName) ?? 'NOERROR', answers: [cname, ...(d.answers ?? [])], authorities: d.authorities ?? [] };
  };

  const answer = async (raw: Buffer, q: DecodedPacket, limit: number): Promise<Buffer | undefined> => {
    const opcode = ((q.flags ?? 0) >> 11) & 0xf;
    if (opcode !== OPCODE_QUERY) return encodeReply(q, { rcode: 'NOTIMP' });
    if (q.questions?.length !== 1) return encodeReply(q, { rcode: 'FORMERR' });
    const question = q.questions[0];
    const r = resolver.resolve(question);
    if (r.kind === 'answer') return encodeReply(q, { rcode: r.rcode, authoritative: true, answers: r.answers, authorities: r.authorities, additionals: r.additionals }, limit);
    if (r.kind === 'alias') return encodeReply(q, { ...(await chase(question, r.cname, r.target)) }, limit);
    const reply = await forward(raw);
    if (!reply) return encodeReply(q, { rcode: 'SERVFAIL' });
    // Upstream may have answered over TCP (after truncating over UDP): too large for this client's UDP.
    if (reply.length > limit) return encodeReply(q, { rcode: rcodeOf(reply) as RcodeName }, 0);
    return reply;
  };

  const handle = async (raw: Buffer, proto: Proto): Promise<Buffer | undefined> => {
    const start = process.hrtime.bigint();
    let q: DecodedPacket;
    try {
      q = packet.decode(raw);
    } catch {
      dnsQueries.inc({ type: 'other', rcode: 'FORMERR', proto });
      return encodeHeaderOnly(raw, 'FORMERR');
    }
    if (q.type !== 'query') return undefined; // a stray response: never answer one
    const limit = proto === 'udp' ? udpLimit(q) : 0xffff;
    let reply: Buffer | undefined;
    try {
      reply = await answer(raw, q, limit);
    } catch (e) {
      log.error('answering a DNS query failed', { err: e, name: q.questions?.[0]?.name, type: q.questions?.[0]?.type });
      reply = encodeReply(q, { rcode: 'SERVFAIL' });
    }
    if (reply) {
      const truncated = (reply.readUInt16BE(2) & 0x0200) !== 0;
      if (truncated && proto === 'udp') dnsTruncated.inc();
      dnsQueries.inc({ type: typeLabel(q.questions?.[0]?.type), rcode: rcodeOf(reply), proto });
    }
    dnsDuration.observe(Number(process.hrtime.bigint() - start) / 1e9, { proto });
    if (debugQueries) log.debug('dns query', { name: q.questions?.[0]?.name, type: q.questions?.[0]?.type, proto, rcode: reply ? rcodeOf(reply) : 'none' });
    return reply;
  };

  let listener: Listener;
  try {
    listener = await listen(o.listen.host, o.listen.port, handle, log);
  } catch (e) {
    records.stop();
    throw e;
  }
  log.info('cluster DNS serving', { address: o.listen.host, port: listener.port, zone, upstreams: upstreams.map((u) => `${u.host}:${u.port}`) });
  return {
    port: listener.port,
    stop: async () => {
      await listener.close();
      records.stop();
      log.info('cluster DNS stopped', { address: o.listen.host, port: listener.port });
    },
  };
}
