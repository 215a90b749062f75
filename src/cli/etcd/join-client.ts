// The joining side of a server join: `gifee server --server https://FIRST:6443 --token-file F`.
// Trusts the first server's CA only if it matches the token's hash (as agents do), then asks it for
// the cluster's keys and an etcd membership (join-handler.ts), writes them into DATA/pki and records
// the member in DATA/etcd/member.json; the managed etcd then starts as a learner of that cluster.

import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import https from 'node:https';
import { join } from 'node:path';
import type { Logger } from '../../util/log.js';
import { UsageError } from '../args.js';
import { caHash } from '../join-token.js';
import type { JoinBundle } from './join-handler.js';
import { etcdDir, type MemberState, newMemberName, readMemberState, writeMemberState } from './member-state.js';
import { parseServerToken } from './server-token.js';
import { TRANSIENT_JOIN_REFUSAL } from './join-handler.js';

const MAX_ANSWER_BYTES = 1024 * 1024;

function request(url: string, o: https.RequestOptions, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { timeout: 15_000, ...o }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        text += d;
        if (text.length > MAX_ANSWER_BYTES) req.destroy(new Error(`${url} answered more than ${MAX_ANSWER_BYTES} bytes`));
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error(`${url} did not answer in 15s`)));
    req.end(body);
  });
}

/** A pki file name from the bundle: a plain name, never a path. */
const safeName = (n: string) => /^[A-Za-z0-9][A-Za-z0-9._-]{0,100}$/.test(n);

/** Joins this data dir's member to the cluster of `server` unless it already has a member (a restart). */
export async function joinIfNew(o: { dataDir: string; server: string; tokenFile: string; peerUrl: string; clientUrl: string; nodeName?: string; log: Logger }): Promise<void> {
  const state = await readMemberState(o.dataDir).catch((e: Error) => {
    throw new UsageError(e.message);
  });
  if (state?.origin === 'init') throw new UsageError(`${o.dataDir} founded its own etcd cluster (--cluster-init); it cannot join another: drop --server and --token-file, or join with an empty --data-dir`);
  if (state) return;
  if (existsSync(join(o.dataDir, 'state.db'))) throw new UsageError(`${o.dataDir} holds an embedded SQLite store (state.db): join with an empty --data-dir`);
  const text = await readFile(o.tokenFile, 'utf8').catch((e: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot read --token-file ${o.tokenFile} (${e.code ?? e.message}): copy the first server's DATA/server-token here`);
  });
  const token = parseServerToken(text.slice(0, 4096));
  // The CA: not verified by TLS yet (we have none); the token's hash is what makes it trustworthy.
  const cacerts = await request(`${o.server}/cacerts`, { rejectUnauthorized: false }).catch((e: Error) => {
    throw new UsageError(`cannot reach ${o.server} (${e.message}): is the first server running, and is --server its address?`);
  });
  if (cacerts.status !== 200) throw new UsageError(`${o.server}/cacerts answered ${cacerts.status}: is --server a gifee server?`);
  if (caHash(cacerts.text) !== token.caHash) throw new UsageError(`the CA of ${o.server} does not match the server token's hash: refusing to join (wrong --server, or a token of another cluster)`);
  const name = newMemberName(o.nodeName);
  const ask = () => request(`${o.server}/gifee/v1/server-join`, { method: 'POST', ca: cacerts.text, headers: { Authorization: `Bearer ${token.secret}`, 'Content-Type': 'application/json' } }, JSON.stringify({ name, peerUrl: o.peerUrl }));
  let answer = await ask();
  let parsed: Partial<JoinBundle> & { error?: string };
  for (let attempt = 1; ; attempt++) {
    try {
      parsed = JSON.parse(answer.text) as typeof parsed;
    } catch {
      throw new Error(`${o.server} answered the join with ${answer.status} and no JSON`);
    }
    // etcd not ready to add a member yet (another server joined a moment ago): asked again, a few times.
    if (answer.status !== 503 || !TRANSIENT_JOIN_REFUSAL.test(parsed.error ?? '') || attempt >= 6) break;
    o.log.info('etcd is not ready to add a member yet; asking again', { server: o.server, attempt });
    await new Promise((r) => setTimeout(r, 3000));
    answer = await ask();
  }
  if (answer.status === 401) throw new UsageError(`${o.server} refused the join: ${parsed.error ?? 'wrong server token'}`);
  if (answer.status !== 200) throw new UsageError(`${o.server} refused the join (${answer.status}): ${parsed.error ?? answer.text.slice(0, 200)}`);
  if (!parsed.pki || typeof parsed.initialCluster !== 'string' || !Array.isArray(parsed.clientUrls)) throw new Error(`${o.server} answered the join without keys or cluster`);
  const dir = join(o.dataDir, 'pki');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  for (const [file, content] of Object.entries(parsed.pki)) {
    if (!safeName(file) || typeof content !== 'string') throw new Error(`${o.server} sent an unexpected file name in the join: ${JSON.stringify(file).slice(0, 80)}`);
    const path = join(dir, file);
    await writeFile(`${path}.tmp`, content, { mode: 0o600 });
    await rename(`${path}.tmp`, path);
    if (file.endsWith('.crt') || file.endsWith('.pub')) await chmod(path, 0o644);
  }
  const member: MemberState = { name, origin: 'join', joinedFrom: o.server, clientUrl: o.clientUrl, peerUrl: o.peerUrl, initialCluster: parsed.initialCluster, clusterClientUrls: parsed.clientUrls.filter((u): u is string => typeof u === 'string').slice(0, 16) };
  await mkdir(etcdDir(o.dataDir), { recursive: true, mode: 0o700 });
  await writeMemberState(o.dataDir, member);
  o.log.info('joined the control plane; starting this etcd member as a learner', { server: o.server, member: name });
}
