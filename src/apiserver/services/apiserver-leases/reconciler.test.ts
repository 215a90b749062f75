// The reconciler against a real API server and store (SQLite): the server lists itself and holds its
// lease; a second reconciler (a peer advertising 127.0.0.2 on the same port) joins the list, drops
// out once its lease expires when it stops without cleaning up (as a killed process; its lease is
// deleted a lease duration later), and at once
// when it stops cleanly; nothing is rewritten while the live set stays the same; and the last
// server's clean stop leaves its address (never an empty list). A peer more than one minor version
// away from the server does not start.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensurePki } from '../../../cli/pki.js';
import { openStore } from '../../../store/index.js';
import type { Store } from '../../../store/types.js';
import { logger } from '../../../util/log.js';
import { startApiServer, type ApiServer } from '../../server.js';
import { until } from '../../../../test/helpers/wait.js';
import { GIFEE_VERSION } from '../../../api/version.js';
import { parseGifeeVersion } from '../../../api/version-skew.js';
import { EndpointLeaseReconciler, ServerVersionSkewError } from './reconciler.js';
import { leaseNameFor } from './plan.js';

let dir: string;
let store: Store;
let server: ApiServer;
const timing = { leaseDurationMs: 2000, renewIntervalMs: 200 };

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gifee-apiserver-leases-'));
  const pki = await ensurePki(dir);
  store = await openStore({ backend: 'sqlite', dataDir: dir, log: logger('store') });
  server = await startApiServer({ store, host: '127.0.0.1', port: 0, tls: { cert: pki.server.cert, key: pki.server.key, clientCA: pki.ca.cert }, log: logger('apiserver'), compactionIntervalMs: 0, endpointLeases: timing });
});

after(async () => {
  await server?.close().catch(() => undefined);
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

const get = async (resource: string, group = '') => {
  const def = server.state.registry.byResource(group, 'v1', resource)!;
  return (await server.state.objects(def).get(resource === 'leases' ? 'kube-system' : 'default', resource === 'leases' ? leaseNameFor({ address: '127.0.0.2', port: server.port }) : 'kubernetes'))!;
};
const endpointIPs = async () => ((await get('endpoints')).obj.subsets as { addresses: { ip: string }[] }[])[0].addresses.map((a) => a.ip);
const sliceIPs = async () => ((await get('endpointslices', 'discovery.k8s.io')).obj.endpoints as { addresses: string[] }[]).flatMap((e) => e.addresses);
const both = async () => [await endpointIPs(), await sliceIPs()];
const peer = () => new EndpointLeaseReconciler(server.state, { address: '127.0.0.2', port: server.port }, logger('peer'), timing);
const wait = (what: string, fn: () => Promise<boolean>) => until(what, fn, { timeoutMs: 30_000, intervalMs: 50 });

test('the server lists itself, a peer joins, and an abruptly stopped peer drops out once its lease expired', async () => {
  assert.deepEqual(await both(), [['127.0.0.1'], ['127.0.0.1']]);
  const p = peer();
  await p.start();
  assert.deepEqual(await both(), [
    ['127.0.0.1', '127.0.0.2'],
    ['127.0.0.1', '127.0.0.2'],
  ]);
  const lease = (await get('leases', 'coordination.k8s.io')).obj;
  assert.equal(lease.metadata?.labels?.['apiserver.kubernetes.io/identity'], 'kube-apiserver');
  assert.equal((lease.spec as { holderIdentity: string }).holderIdentity, p.holderIdentity);

  // Unchanged while both renew: the peer's lease is renewed twice, the endpoints are not rewritten.
  const epRevision = (await get('endpoints')).revision;
  const renewed = (await get('leases', 'coordination.k8s.io')).revision;
  await wait('two renewals', async () => (await get('leases', 'coordination.k8s.io')).revision > renewed + 1);
  assert.equal((await get('endpoints')).revision, epRevision, 'no write while the live set is the same');

  await p.stop(false);
  const last = (await get('leases', 'coordination.k8s.io')).obj.spec as { renewTime: string; leaseDurationSeconds: number };
  const expiresAt = Date.parse(last.renewTime) + last.leaseDurationSeconds * 1000;
  await wait('the peer to drop out', async () => JSON.stringify(await both()) === JSON.stringify([['127.0.0.1'], ['127.0.0.1']]));
  assert.ok(Date.now() >= expiresAt, 'not before its lease expired');
  // A lease duration after it expired, the server deletes the dead one's lease.
  const def = server.state.registry.byResource('coordination.k8s.io', 'v1', 'leases')!;
  await wait('the expired lease to be collected', async () => (await server.state.objects(def).get('kube-system', p.leaseName)) === null);
});

test('a clean stop takes the address out at once and deletes its lease', async () => {
  const p = peer();
  await p.start();
  assert.deepEqual(await both(), [
    ['127.0.0.1', '127.0.0.2'],
    ['127.0.0.1', '127.0.0.2'],
  ]);
  await p.stop();
  assert.deepEqual(await both(), [['127.0.0.1'], ['127.0.0.1']]);
  const def = server.state.registry.byResource('coordination.k8s.io', 'v1', 'leases')!;
  assert.equal(await server.state.objects(def).get('kube-system', p.leaseName), null);
});

test('the skew policy: a peer more than one minor version from the live server does not start (and takes no lease); one within a minor does, its lease saying its version', async () => {
  const v = parseGifeeVersion(GIFEE_VERSION)!;
  const at = (minor: number) => new EndpointLeaseReconciler(server.state, { address: '127.0.0.2', port: server.port }, logger('peer'), { ...timing, version: `${v.major}.${minor}.0` });
  const far = at(v.minor + 2);
  await assert.rejects(
    far.start(),
    (e: Error) => e instanceof ServerVersionSkewError && new RegExp(`this server is ${v.major}\\.${v.minor + 2}\\.0 and another live server is ${GIFEE_VERSION.replace(/\./g, '\\.')}: .*within 1 minor version.* \\(server 127\\.0\\.0\\.1:${server.port}; docs/upgrades\\.md\\)$`).test(e.message),
  );
  const def = server.state.registry.byResource('coordination.k8s.io', 'v1', 'leases')!;
  assert.equal(await server.state.objects(def).get('kube-system', far.leaseName), null, 'no lease taken');
  assert.deepEqual(await endpointIPs(), ['127.0.0.1']);
  const near = at(v.minor + 1);
  await near.start();
  const lease = (await get('leases', 'coordination.k8s.io')).obj;
  assert.equal(lease.metadata?.annotations?.['gifee.io/version'], `${v.major}.${v.minor + 1}.0`);
  await near.stop();
});

test("the last server's clean stop leaves its address listed", async () => {
  const p = peer();
  await p.start();
  await server.close();
  // The server's own reconciler is gone; the peer stops cleanly as the only live one.
  await p.stop();
  assert.deepEqual(await endpointIPs(), ['127.0.0.2']);
});
