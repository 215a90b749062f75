// The audit log on a real server driven by kubectl: a policy with None for health checks,
// RequestResponse for ConfigMaps and Metadata for the rest; events carry the request, user, object,
// response status, authorization decision and the Audit-ID the response header gave; watches log
// ResponseStarted; the file is 0600 and rotates by size, keeping --audit-log-maxbackup old files.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { until } from '../helpers/wait.js';

let dir: string;
let cluster: Cluster;

const POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
omitManagedFields: true
rules:
- level: None
  nonResourceURLs: ["/healthz*", "/readyz*", "/livez*"]
- level: RequestResponse
  resources:
  - group: ""
    resources: ["configmaps"]
- level: Metadata
`;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gifee-audit-'));
  await writeFile(join(dir, 'policy.yaml'), POLICY);
  cluster = await startCluster({ extraArgs: ['--audit-policy-file', join(dir, 'policy.yaml'), '--audit-log-path', join(dir, 'logs', 'audit.log'), '--audit-log-maxsize', '1', '--audit-log-maxbackup', '2'] });
});

after(async () => {
  await cluster?.stop();
  await rm(dir, { recursive: true, force: true });
});

// Audit events are checked field by field.
type Event = any;

/** Every event in the log and its rotated files, oldest first. */
async function events(): Promise<Event[]> {
  const logs = join(dir, 'logs');
  const names = (await readdir(logs)).filter((n) => n !== 'audit.log').sort();
  const out: Event[] = [];
  for (const n of [...names, 'audit.log']) for (const line of (await readFile(join(logs, n), 'utf8')).split('\n')) if (line) out.push(JSON.parse(line));
  return out;
}

async function eventsWhere(what: string, pred: (e: Event) => boolean, count = 1): Promise<Event[]> {
  let found: Event[] = [];
  await until(what, async () => (found = (await events()).filter(pred)).length >= count, { timeoutMs: 10_000 });
  return found;
}

test('a ConfigMap create is logged at RequestResponse with both objects, the user and the decision', async () => {
  await cluster.kubectl(['create', 'configmap', 'audited', '--from-literal=colour=blue']);
  const [e] = await eventsWhere('the create event', (e) => e.verb === 'create' && e.objectRef?.resource === 'configmaps' && e.objectRef?.name === 'audited');
  assert.equal(e.kind, 'Event');
  assert.equal(e.apiVersion, 'audit.k8s.io/v1');
  assert.equal(e.level, 'RequestResponse');
  assert.equal(e.stage, 'ResponseComplete');
  assert.match(e.requestURI, /^\/api\/v1\/namespaces\/default\/configmaps/);
  assert.deepEqual(e.objectRef, { resource: 'configmaps', namespace: 'default', name: 'audited', apiVersion: 'v1' });
  assert.equal(e.user.username, 'system:admin');
  assert.ok(e.user.groups.includes('system:masters'));
  assert.deepEqual(e.sourceIPs, ['127.0.0.1']);
  assert.match(e.userAgent, /^kubectl/);
  assert.equal(e.responseStatus.code, 201);
  assert.equal(e.requestObject.data.colour, 'blue');
  assert.equal(e.responseObject.metadata.name, 'audited');
  assert.ok(e.responseObject.metadata.uid);
  assert.equal(e.responseObject.metadata.managedFields, undefined, 'omitManagedFields');
  assert.equal(e.annotations['authorization.k8s.io/decision'], 'allow');
  assert.equal(typeof e.annotations['authorization.k8s.io/reason'], 'string');
  assert.match(e.requestReceivedTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  assert.ok(e.stageTimestamp >= e.requestReceivedTimestamp);
  assert.equal((await events()).filter((x) => x.stage === 'RequestReceived').length, 0, 'RequestReceived is omitted by the policy');
});

test('other resources at Metadata: no bodies; errors keep their Status; health checks not at all', async () => {
  await cluster.kubectl(['get', 'pods']);
  const [list] = await eventsWhere('the pod list event', (e) => e.verb === 'list' && e.objectRef?.resource === 'pods');
  assert.equal(list.level, 'Metadata');
  assert.equal(list.requestObject, undefined);
  assert.equal(list.responseObject, undefined);
  assert.equal(list.responseStatus.code, 200);
  const missing = await cluster.kubectl(['get', 'secret', 'nope'], { allowFail: true });
  assert.notEqual(missing.code, 0);
  const [nf] = await eventsWhere('the 404 event', (e) => e.verb === 'get' && e.objectRef?.resource === 'secrets' && e.objectRef?.name === 'nope');
  assert.equal(nf.responseStatus.code, 404);
  assert.equal(nf.responseStatus.reason, 'NotFound');
  assert.equal(nf.responseStatus.status, 'Failure');
  assert.match(nf.responseStatus.message, /not found/);
  const https = await import('node:https');
  const denied = await new Promise<string>((resolve, reject) =>
    https
      .get(`${cluster.url}/api/v1/namespaces`, { rejectUnauthorized: false, headers: { authorization: 'Bearer not-a-token' }, agent: false }, (res) => {
        res.resume();
        resolve(String(res.headers['audit-id']));
      })
      .on('error', reject),
  );
  const [unauth] = await eventsWhere('the 401 event', (e) => e.auditID === denied);
  assert.equal(unauth.responseStatus.code, 401);
  assert.equal(unauth.user.username, '', 'failed credentials name nobody');
  await cluster.request('GET', '/healthz');
  await cluster.request('GET', '/version');
  await eventsWhere('the /version event', (e) => e.requestURI === '/version');
  assert.equal((await events()).filter((e) => e.requestURI.startsWith('/healthz')).length, 0, 'None for /healthz');
});

test('the Audit-ID response header is the event auditID; a watch logs ResponseStarted then ResponseComplete', async () => {
  const r = await cluster.request('GET', '/api/v1/namespaces/default/configmaps/audited');
  const id = r.headers['audit-id'];
  assert.equal(typeof id, 'string');
  const [e] = await eventsWhere('the event of that request', (e) => e.auditID === id);
  assert.equal(e.verb, 'get');
  assert.equal(e.responseObject.metadata.name, 'audited');
  const w = await cluster.request('GET', '/api/v1/namespaces/default/pods?watch=true&timeoutSeconds=1');
  const stages = await eventsWhere('both stages of the watch', (e) => e.auditID === w.headers['audit-id'], 2);
  assert.equal(stages[0].verb, 'watch');
  assert.deepEqual(
    stages.map((s) => s.stage),
    ['ResponseStarted', 'ResponseComplete'],
  );
  assert.equal(stages[0].auditID, stages[1].auditID);
});

test('the log is 0600 and rotates past --audit-log-maxsize, keeping --audit-log-maxbackup files', async () => {
  assert.equal((await stat(join(dir, 'logs', 'audit.log'))).mode & 0o777, 0o600);
  const big = join(dir, 'big.txt');
  await writeFile(big, 'x'.repeat(300 * 1024));
  // Each create logs the object twice (request and response): about 600 kB an event.
  for (let i = 0; i < 8; i++) await cluster.kubectl(['create', 'configmap', `big-${i}`, `--from-file=data=${big}`]);
  await eventsWhere('the last big create', (e) => e.verb === 'create' && e.objectRef?.name === 'big-7');
  const names = await readdir(join(dir, 'logs'));
  const rotated = names.filter((n) => /^audit-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}\.log$/.test(n));
  assert.equal(rotated.length, 2, `rotated files kept: ${names.join(' ')}`);
  for (const n of names) {
    const s = await stat(join(dir, 'logs', n));
    assert.ok(s.size <= 1024 * 1024, `${n} is ${s.size} bytes`);
    assert.equal(s.mode & 0o777, 0o600, `${n} is 0600`);
  }
  const metrics = await cluster.request('GET', '/metrics');
  assert.match(metrics.body, /^apiserver_audit_event_total \d+/m);
});
