// API aggregation end to end: a real gifee server, the real kubectl, and a real aggregated API
// server (fixtures/metrics-apiserver.mjs: HTTPS, metrics.k8s.io/v1beta1) running in a network
// namespace this test creates, reached at the namespace's own address through a selectorless
// Service and a hand-written EndpointSlice (Kubernetes refuses loopback endpoint addresses, so the
// extension server gets an address of its own instead of 127.0.0.1). Covers: local APIServices,
// Available True/False with Kubernetes' reasons, discovery (kubectl api-resources; an extension
// version of the built-in batch group joining it), proxying with
// the front-proxy certificate and the user in X-Remote-* headers (get --raw and kubectl get), RBAC
// denial before proxying, requestheader authentication into gifee itself, APIService validation.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';
import { startCluster, repoRoot, kubectlBinary, type Cluster } from '../helpers/cluster.js';
import { reserve } from '../helpers/reserve.js';
import { createCa, issueCert } from '../../src/cli/pki.js';
import { until as waitUntil } from '../helpers/wait.js';

const hasIp = existsSync('/usr/sbin/ip') || existsSync('/sbin/ip') || existsSync('/usr/bin/ip');
const skip = process.getuid?.() !== 0 || process.platform !== 'linux' || !hasIp ? 'needs Linux, root and iproute2 (a network namespace for the extension server)' : false;

const NS = 'ext-system';
const SVC = 'metrics-server';
let c: Cluster;
let netns = '';
let hostVeth = '';
let addr = '';
let slot: { value: number; release(): void } | undefined;
let ext: ChildProcess | undefined;
let extLog = '';
let serving: { cert: string; key: string };
let ca: { cert: string; key: string };

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
const k = (args: string[], o?: { input?: string; allowFail?: boolean }) => c.kubectl(args, o);

const until = (what: string, fn: () => Promise<boolean>, ms = 40_000) => waitUntil(what, fn, { timeoutMs: ms, intervalMs: 300 });

/** The extension server's requests so far (JSON lines on its stdout). */
const seen = () =>
  extLog
    .split('\n')
    .filter((l) => l.startsWith('{"method"'))
    .map((l) => JSON.parse(l) as { method: string; path: string; user: string; groups: string[]; frontProxy: boolean; cn: string | null; authorization: string | null });

async function startExtension() {
  const frontProxyCA = readFileSync(join(c.dataDir, 'pki', 'front-proxy-ca.crt'), 'utf8');
  ext = spawn('ip', ['netns', 'exec', netns, process.execPath, join(repoRoot, 'test', 'e2e', 'fixtures', 'metrics-apiserver.mjs')], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, HOST: addr, PORT: '8443', TLS_CERT: serving.cert, TLS_KEY: serving.key, REQUESTHEADER_CA: frontProxyCA, ALLOWED_NAME: 'front-proxy-client' },
  });
  ext.stdout!.on('data', (d) => (extLog += d));
  ext.stderr!.on('data', (d) => (extLog += d));
  await until('the extension server to listen', async () => extLog.includes('"listening":true'), 10_000);
}

function stopExtension(): Promise<void> {
  const p = ext;
  ext = undefined;
  if (!p || p.exitCode !== null) return Promise.resolve();
  return new Promise((r) => {
    p.once('exit', () => r());
    p.kill('SIGTERM');
  });
}

before(async () => {
  if (skip) return;
  // A /30 of its own per test process: 10.254.S.0/30 with S reserved machine-wide.
  slot = reserve(
    'aggregation-net',
    Array.from({ length: 200 }, (_, i) => i + 20),
  );
  const id = `${process.pid % 10000}${slot.value}`;
  netns = `gfagg${id}`;
  hostVeth = `gfah${id}`;
  const nsVeth = `gfan${id}`;
  addr = `10.254.${slot.value}.2`;
  ip('netns', 'add', netns);
  ip('link', 'add', hostVeth, 'type', 'veth', 'peer', 'name', nsVeth);
  ip('link', 'set', nsVeth, 'netns', netns);
  ip('addr', 'add', `10.254.${slot.value}.1/30`, 'dev', hostVeth);
  ip('link', 'set', hostVeth, 'up');
  ip('netns', 'exec', netns, 'ip', 'addr', 'add', `${addr}/30`, 'dev', nsVeth);
  ip('netns', 'exec', netns, 'ip', 'link', 'set', nsVeth, 'up');
  ip('netns', 'exec', netns, 'ip', 'link', 'set', 'lo', 'up');
  ca = await createCa('metrics-server-ca');
  serving = await issueCert(ca, { commonName: `${SVC}.${NS}.svc`, dnsNames: [`${SVC}.${NS}.svc`], usage: 'server' });
  c = await startCluster();
  await startExtension();
});

after(async () => {
  await stopExtension();
  await c?.stop();
  if (hostVeth) ip('link', 'del', hostVeth);
  if (netns) ip('netns', 'del', netns);
  slot?.release();
});

test('local APIServices exist for the built-in groups, Available with reason Local', { skip }, async () => {
  const core = JSON.parse((await k(['get', 'apiservice', 'v1.', '-o', 'json'])).stdout);
  assert.equal(core.metadata.labels['kube-aggregator.kubernetes.io/automanaged'], 'onstart');
  assert.equal(core.spec.service, undefined);
  const apps = JSON.parse((await k(['get', 'apiservice', 'v1.apps', '-o', 'json'])).stdout);
  assert.deepEqual(
    apps.status.conditions.map((x: { type: string; status: string; reason: string }) => [x.type, x.status, x.reason]),
    [['Available', 'True', 'Local']],
  );
  const table = (await k(['get', 'apiservices'])).stdout;
  assert.match(table, /^NAME\s+SERVICE\s+AVAILABLE\s+AGE/);
  assert.match(table, /v1\.apiregistration\.k8s\.io\s+Local\s+True/);
});

test('APIService validation refuses what Kubernetes refuses', { skip }, async () => {
  const bad = (
    await k(['apply', '-f', '-'], {
      allowFail: true,
      input: JSON.stringify({
        apiVersion: 'apiregistration.k8s.io/v1',
        kind: 'APIService',
        metadata: { name: 'v1.wrong.example.com' },
        spec: { group: 'example.com', version: 'v1', groupPriorityMinimum: 0, versionPriority: 2000, insecureSkipTLSVerify: true, caBundle: Buffer.from('x').toString('base64'), service: { namespace: NS, name: SVC } },
      }),
    })
  ).stderr;
  assert.match(bad, /metadata\.name: Invalid value: "v1\.wrong\.example\.com": must be v1\.example\.com/);
  assert.match(bad, /spec\.groupPriorityMinimum: Invalid value: 0: must be positive and less than 20000/);
  assert.match(bad, /spec\.versionPriority: Invalid value: 2000: must be positive and less than 1000/);
  assert.match(bad, /spec\.insecureSkipTLSVerify: Invalid value: true: may not be true if caBundle is present/);
});

test('an extension server behind a Service becomes Available and is proxied to with the user in headers', { skip }, async () => {
  const manifests = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: SVC, namespace: NS }, spec: { ports: [{ name: 'https', port: 443, targetPort: 8443 }] } },
    { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: `${SVC}-manual`, namespace: NS, labels: { 'kubernetes.io/service-name': SVC } }, addressType: 'IPv4', endpoints: [{ addresses: [addr], conditions: { ready: true } }], ports: [{ name: 'https', port: 8443, protocol: 'TCP' }] },
    { apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService', metadata: { name: 'v1beta1.metrics.k8s.io' }, spec: { group: 'metrics.k8s.io', version: 'v1beta1', groupPriorityMinimum: 100, versionPriority: 100, caBundle: Buffer.from(ca.cert).toString('base64'), service: { namespace: NS, name: SVC } } },
  ];
  await k(['apply', '-f', '-'], { input: manifests.map((m) => JSON.stringify(m)).join('\n') });
  await until('Available=True', async () => /v1beta1\.metrics\.k8s\.io\s+ext-system\/metrics-server\s+True/.test((await k(['get', 'apiservice', 'v1beta1.metrics.k8s.io'], { allowFail: true })).stdout));
  const cond = JSON.parse((await k(['get', 'apiservice', 'v1beta1.metrics.k8s.io', '-o', 'json'])).stdout).status.conditions[0];
  assert.equal(cond.reason, 'Passed');

  // Discovery: kubectl api-resources (aggregated discovery) lists the extension's resources.
  const res = (await k(['api-resources', '--api-group=metrics.k8s.io'])).stdout;
  assert.match(res, /pods\s+metrics\.k8s\.io\/v1beta1\s+true\s+PodMetrics/);
  assert.match(res, /nodes\s+metrics\.k8s\.io\/v1beta1\s+false\s+NodeMetrics/);
  const groups = JSON.parse((await k(['get', '--raw', '/apis'])).stdout);
  assert.ok(groups.groups.some((g: { name: string }) => g.name === 'metrics.k8s.io'));

  // Proxied: the extension server saw the admin through the front proxy, no credentials.
  const list = JSON.parse((await k(['get', '--raw', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods'])).stdout);
  assert.equal(list.kind, 'PodMetricsList');
  assert.equal(list.items[0].metadata.annotations['test.gifee.io/user'], 'system:admin');
  assert.match(list.items[0].metadata.annotations['test.gifee.io/groups'], /system:masters/);
  const last = seen()
    .filter((r) => r.path === '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods')
    .at(-1)!;
  assert.equal(last.user, 'system:admin');
  assert.equal(last.frontProxy, true);
  assert.equal(last.cn, 'front-proxy-client');
  assert.equal(last.authorization, null);

  // kubectl get of the extension's resource goes the same way.
  const table = (await k(['get', 'pods.metrics.k8s.io', '-n', 'default'])).stdout;
  assert.match(table, /demo/);
  const nodes = (await k(['get', 'nodes.metrics.k8s.io', '-o', 'name'])).stdout;
  assert.match(nodes, /node-a/);

  // A watch streams through: the first event arrives while the stream stays open.
  const watch = spawn(kubectlBinary, ['--kubeconfig', c.kubeconfig, 'get', '--raw', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods?watch=true'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let streamed = '';
  watch.stdout!.on('data', (d) => (streamed += d));
  try {
    await until('the first watch event', async () => streamed.includes('"ADDED"'), 15_000);
    assert.equal(watch.exitCode, null, 'the stream is still open');
    assert.match(streamed, /"test\.gifee\.io\/user":"system:admin"/);
  } finally {
    watch.kill();
  }

  // kubectl top reads the metrics API as it reads metrics-server's.
  const top = (await k(['top', 'pod', '-n', 'default'])).stdout;
  assert.match(top, /^NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)/);
  assert.match(top, /demo\s+1m\s+1Mi/);

  // OpenAPI v3 of the extension, through this server's index: kubectl explain down to nested fields.
  const index = JSON.parse((await k(['get', '--raw', '/openapi/v3'])).stdout);
  assert.ok(index.paths['apis/metrics.k8s.io/v1beta1']);
  const explain = (await k(['explain', 'pods.containers', '--api-version=metrics.k8s.io/v1beta1'])).stdout;
  assert.match(explain, /KIND:\s+PodMetrics/);
  assert.match(explain, /Metrics for all containers are collected within the same time window/);
  assert.match(explain, /usage/);

  // OpenAPI v2 gains the extension's own paths and new definitions, nothing else.
  const v2 = JSON.parse((await k(['get', '--raw', '/openapi/v2'])).stdout);
  assert.ok(v2.definitions['io.k8s.metrics.pkg.apis.metrics.v1beta1.PodMetrics']);
  assert.ok(v2.paths['/apis/metrics.k8s.io/v1beta1/namespaces/{namespace}/pods/{name}']);
  assert.equal(v2.paths['/apis/apps/v1/hijacked'], undefined);
  assert.notEqual(v2.definitions['io.k8s.api.core.v1.Pod'].description, 'HIJACKED');
});

test('an extension version of a built-in group (v2alpha1.batch) joins the group in discovery; batch/v1 stays preferred; its requests are proxied', { skip }, async () => {
  // kube-aggregator orders a group's versions by versionPriority: batch/v1's local APIService has 15.
  const apiService = { apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService', metadata: { name: 'v2alpha1.batch' }, spec: { group: 'batch', version: 'v2alpha1', groupPriorityMinimum: 100, versionPriority: 9, caBundle: Buffer.from(ca.cert).toString('base64'), service: { namespace: NS, name: SVC } } };
  await k(['apply', '-f', '-'], { input: JSON.stringify(apiService) });
  await until('v2alpha1.batch Available=True', async () => /v2alpha1\.batch\s+ext-system\/metrics-server\s+True/.test((await k(['get', 'apiservice', 'v2alpha1.batch'], { allowFail: true })).stdout));

  // kubectl api-versions (aggregated discovery) lists both versions of batch.
  const versions = (await k(['api-versions'])).stdout.split('\n');
  assert.ok(versions.includes('batch/v1'), 'batch/v1');
  assert.ok(versions.includes('batch/v2alpha1'), 'batch/v2alpha1');
  // Legacy discovery: /apis/batch and /apis have both, batch/v1 preferred.
  const group = JSON.parse((await k(['get', '--raw', '/apis/batch'])).stdout);
  assert.deepEqual(
    group.versions.map((v: { groupVersion: string }) => v.groupVersion),
    ['batch/v1', 'batch/v2alpha1'],
  );
  assert.deepEqual(group.preferredVersion, { groupVersion: 'batch/v1', version: 'v1' });
  const list = JSON.parse((await k(['get', '--raw', '/apis'])).stdout);
  const batch = list.groups.find((g: { name: string }) => g.name === 'batch');
  assert.deepEqual(
    batch.versions.map((v: { version: string }) => v.version),
    ['v1', 'v2alpha1'],
  );
  assert.equal(batch.preferredVersion.version, 'v1');
  assert.equal(list.groups.filter((g: { name: string }) => g.name === 'batch').length, 1);
  // Aggregated discovery: the extension's resources under v2alpha1, v1 first (the preferred one).
  const agg = (await c.request('GET', '/apis', undefined, { Accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' })).json;
  const aggBatch = agg.items.find((i: { metadata: { name: string } }) => i.metadata.name === 'batch');
  assert.deepEqual(
    aggBatch.versions.map((v: { version: string }) => v.version),
    ['v1', 'v2alpha1'],
  );
  assert.deepEqual(
    aggBatch.versions[1].resources.map((r: { resource: string; responseKind: { kind: string } }) => [r.resource, r.responseKind.kind]),
    [['cronjobs', 'CronJob']],
  );
  assert.ok(aggBatch.versions[0].resources.some((r: { resource: string }) => r.resource === 'jobs'));

  // Requests for the extension version are proxied (with the user); batch/v1 stays gifee's own.
  const proxied = JSON.parse((await k(['get', '--raw', '/apis/batch/v2alpha1/namespaces/default/cronjobs'])).stdout);
  assert.equal(proxied.kind, 'CronJobList');
  assert.equal(proxied.items[0].metadata.name, 'from-extension');
  assert.equal(proxied.items[0].metadata.annotations['test.gifee.io/user'], 'system:admin');
  assert.ok(seen().some((r) => r.path === '/apis/batch/v2alpha1/namespaces/default/cronjobs' && r.frontProxy));
  const own = JSON.parse((await k(['get', 'cronjobs', '-n', 'default', '-o', 'json'])).stdout);
  assert.equal(own.apiVersion, 'v1');
  assert.deepEqual(own.items, []);
  assert.match((await k(['get', 'cronjobs.v2alpha1.batch', '-n', 'default'])).stdout, /from-extension/);

  await k(['delete', 'apiservice', 'v2alpha1.batch']);
  await until('v2alpha1 gone from discovery', async () => !(await k(['api-versions'])).stdout.split('\n').includes('batch/v2alpha1'));
  assert.deepEqual(
    JSON.parse((await k(['get', '--raw', '/apis/batch'])).stdout).versions.map((v: { version: string }) => v.version),
    ['v1'],
  );
});

test('RBAC denies in gifee before proxying; an allowed user arrives under their own name', { skip }, async () => {
  const before = seen().length;
  const denied = await k(['get', '--raw', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods', '--as', 'jane'], { allowFail: true });
  assert.notEqual(denied.code, 0);
  assert.match(denied.stderr, /forbidden/i);
  assert.equal(
    seen()
      .slice(before)
      .filter((r) => r.user === 'jane').length,
    0,
    'the extension server never saw the denied request',
  );
  await k(['create', 'clusterrole', 'metrics-reader', '--verb=get,list', '--resource=pods.metrics.k8s.io']);
  await k(['create', 'clusterrolebinding', 'jane-metrics', '--clusterrole=metrics-reader', '--user=jane']);
  await until('jane allowed', async () => (await k(['get', '--raw', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods', '--as', 'jane', '--as-group', 'dev'], { allowFail: true })).code === 0, 10_000);
  const list = JSON.parse((await k(['get', '--raw', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods', '--as', 'jane', '--as-group', 'dev'])).stdout);
  assert.equal(list.items[0].metadata.annotations['test.gifee.io/user'], 'jane');
  assert.match(list.items[0].metadata.annotations['test.gifee.io/groups'], /dev/);
});

test('gifee accepts requestheader authentication from the front proxy certificate, and publishes extension-apiserver-authentication', { skip }, async () => {
  const cm = JSON.parse((await k(['get', 'configmap', '-n', 'kube-system', 'extension-apiserver-authentication', '-o', 'json'])).stdout);
  assert.deepEqual(JSON.parse(cm.data['requestheader-allowed-names']), ['front-proxy-client']);
  assert.deepEqual(JSON.parse(cm.data['requestheader-username-headers']), ['X-Remote-User']);
  assert.match(cm.data['requestheader-client-ca-file'], /BEGIN CERTIFICATE/);
  assert.match(cm.data['client-ca-file'], /BEGIN CERTIFICATE/);
  const pki = join(c.dataDir, 'pki');
  const review = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = https.request(
      `${c.url}/apis/authentication.k8s.io/v1/selfsubjectreviews`,
      {
        method: 'POST',
        ca: readFileSync(join(pki, 'ca.crt')),
        cert: readFileSync(join(pki, 'front-proxy-client.crt')),
        key: readFileSync(join(pki, 'front-proxy-client.key')),
        headers: { 'Content-Type': 'application/json', 'X-Remote-User': 'alice', 'X-Remote-Group': 'team-a', 'X-Remote-Extra-Scopes': 'read' },
      },
      (res) => {
        let b = '';
        res.on('data', (d) => (b += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }));
  });
  assert.equal(review.status, 201, review.body);
  const info = JSON.parse(review.body).status.userInfo;
  assert.equal(info.username, 'alice');
  assert.ok(info.groups.includes('team-a'));
});

test('a server that goes down turns Available False with the reason; requests get 503', { skip }, async () => {
  await stopExtension();
  await until('Available=False', async () => /False \(FailedDiscoveryCheck\)/.test((await k(['get', 'apiservice', 'v1beta1.metrics.k8s.io'], { allowFail: true })).stdout));
  const r = await k(['get', '--raw', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods'], { allowFail: true });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /ServiceUnavailable|service unavailable|503/i);
  // No endpoints: MissingEndpoints.
  await k(['delete', 'endpointslice', '-n', NS, `${SVC}-manual`]);
  await until('MissingEndpoints', async () => /False \(MissingEndpoints\)/.test((await k(['get', 'apiservice', 'v1beta1.metrics.k8s.io'], { allowFail: true })).stdout));
  // No Service: ServiceNotFound.
  await k(['delete', 'service', '-n', NS, SVC]);
  await until('ServiceNotFound', async () => /False \(ServiceNotFound\)/.test((await k(['get', 'apiservice', 'v1beta1.metrics.k8s.io'], { allowFail: true })).stdout));
  // The group leaves discovery while unavailable.
  const groups = JSON.parse((await k(['get', '--raw', '/apis'])).stdout);
  assert.ok(!groups.groups.some((g: { name: string }) => g.name === 'metrics.k8s.io'));
});
