// The founding side of a server join (POST /gifee/v1/server-join on the API server's port): a
// joining server presents the server token's secret as a bearer token and its member name and peer
// URL; it gets back the cluster's keys (DATA/pki, but not this server's own serving and member
// certificates) and the etcd cluster it was added to as a learner. A retried join (same peer URL)
// gets the learner added the first time.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EtcdMembers } from '../../store/etcd/members.js';
import type { Logger } from '../../util/log.js';
import { validMemberName } from './args.js';
import { secretMatches } from './server-token.js';

/** What a joining server receives. */
export interface JoinBundle {
  /** File name in DATA/pki → contents. */
  pki: Record<string, string>;
  /** --initial-cluster for the new member: name=peerURL of every started member and the new one. */
  initialCluster: string;
  /** The cluster's client URLs, for promoting the learner once it caught up. */
  clientUrls: string[];
}

/** This server's own certificates and node credentials stay here: the joiner makes its own. */
const OWN = /^(server\.|etcd-server\.|etcd-peer\.|node-|.*\.tmp$)/;
const MAX_REQUEST_BYTES = 4096;

const send = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
};

/** A syntactically sound https peer URL with an address and a port, nothing else. */
export function validPeerUrl(s: unknown): s is string {
  if (typeof s !== 'string' || s.length > 200) return false;
  try {
    const u = new URL(s);
    return u.protocol === 'https:' && u.port !== '' && u.pathname === '/' && !u.search && !u.username && u.hostname !== '0.0.0.0';
  } catch {
    return false;
  }
}

/** `members`: the server's etcd members (the store's): the own one preferred, another while it does not answer. */
export function serverJoinHandler(o: { dataDir: string; secret: string; members: EtcdMembers; log: Logger }) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'POST') return send(res, 405, { error: 'POST only' });
    const auth = req.headers.authorization ?? '';
    if (!auth.startsWith('Bearer ') || !secretMatches(auth.slice(7).trim(), o.secret)) {
      o.log.warn('server join refused: wrong server token', { remote: req.socket.remoteAddress });
      return send(res, 401, { error: "wrong server token: use the first server's DATA/server-token" });
    }
    let body = '';
    for await (const chunk of req) {
      body += String(chunk);
      if (body.length > MAX_REQUEST_BYTES) return send(res, 413, { error: 'request too large' });
    }
    let ask: { name?: unknown; peerUrl?: unknown };
    try {
      ask = JSON.parse(body) as typeof ask;
    } catch {
      return send(res, 400, { error: 'the body must be JSON {name, peerUrl}' });
    }
    if (typeof ask.name !== 'string' || !validMemberName(ask.name)) return send(res, 400, { error: 'name must be a valid etcd member name' });
    if (!validPeerUrl(ask.peerUrl)) return send(res, 400, { error: 'peerUrl must be https://ADDRESS:PORT' });
    const name = ask.name;
    const peerUrl = ask.peerUrl;
    const list = async () => (await o.members.retrying((c, opt) => c.cluster.memberList({}, opt), 2 * o.members.callTimeoutMs)).members;
    try {
      let members = await list();
      const same = members.find((m) => m.peerURLs.includes(peerUrl));
      if (same?.name && same.name !== name) return send(res, 409, { error: `peer URL ${peerUrl} is member ${same.name}'s: remove it first, or use another address or port` });
      if (!same) {
        await addLearner(o.members, peerUrl);
        members = await list();
        o.log.info('added an etcd learner for a joining server', { name, peerUrl });
      }
      const initialCluster = members.flatMap((m) => (m.peerURLs.includes(peerUrl) ? [`${name}=${peerUrl}`] : m.name ? m.peerURLs.map((u) => `${m.name}=${u}`) : [])).join(',');
      const clientUrls = members.flatMap((m) => m.clientURLs);
      const pki: Record<string, string> = {};
      const dir = join(o.dataDir, 'pki');
      for (const f of (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile() && !OWN.test(e.name))) pki[f.name] = await readFile(join(dir, f.name), 'utf8');
      send(res, 200, { pki, initialCluster, clientUrls } satisfies JoinBundle);
    } catch (e) {
      o.log.warn('server join failed', { name, peerUrl, err: e });
      send(res, 503, { error: `etcd could not add the member: ${(e as Error).message}; the joining server asks again (if it keeps failing, check gifee etcd members on this server)` });
    }
  };
}

/**
 * etcd refuses a member add as "unhealthy cluster" until every member has been connected for a few
 * seconds (a server that joined a moment ago, or a busy machine): transient, so asked again, for at
 * most ~10 s, inside the joining client's 15 s wait; the client asks again after that (join-client.ts).
 * Sent once per attempt, not retried on a fault: an add whose answer was lost may have been applied,
 * and the joiner's next request finds the learner by its peer URL. The members' clients have no
 * circuit breaker (members.ts), so these refusals do not stop later calls.
 */
async function addLearner(members: EtcdMembers, peerUrl: string) {
  for (let attempt = 1; ; attempt++) {
    try {
      // Adding a member commits through raft: a longer deadline than a read's.
      await members.call((c, o) => c.cluster.memberAdd({ peerURLs: [peerUrl], isLearner: true }, o), members.deadline(Math.max(members.callTimeoutMs, 10_000)));
      return;
    } catch (e) {
      if (!isTransientRefusal(e) || attempt >= 5) throw e;
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
}

/** etcd not ready to add a member yet, or the client's breaker opened on that: worth asking again. */
const isTransientRefusal = (e: unknown) => TRANSIENT_JOIN_REFUSAL.test(String((e as Error)?.message ?? e));
export const TRANSIENT_JOIN_REFUSAL = /unhealthy cluster|circuit breaker is open/i;
