// The simulated nodes' kubelet endpoint: the agent's stream server on 127.0.0.1, one port for every
// node, the node chosen by the TLS server name, a serving certificate per node asked for once, and
// the agent's authentication and authorization (SubjectAccessReview on the node the name says).

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { X509Certificate } from 'node:crypto';
import { createCa, issueCert, type CertPair } from '../cli/pki.js';
import type { RestClient } from '../client/rest.js';
import { logger } from '../util/log.js';
import { startSimKubelet, type SimKubelet } from './kubelet-endpoint.js';
import type { SimPod } from './pod-status.js';

const pod = (name: string, node: string): SimPod =>
  ({
    metadata: { namespace: 'ns', name, uid: `uid-${name}` },
    spec: { nodeName: node, containers: [{ name: 'app' }] },
    status: { phase: 'Running', containerStatuses: [{ name: 'app', state: { running: { startedAt: '2026-01-02T03:04:05Z' } } }] },
  }) as unknown as SimPod;

describe('simulated nodes kubelet endpoint', () => {
  let ca: CertPair;
  let kubelet: SimKubelet;
  let apiserver: CertPair;
  let other: CertPair;
  const issued: string[] = [];
  const reviews: { user: string; node: string; subresource: string }[] = [];
  let allow = true;

  before(async () => {
    ca = await createCa('test-ca');
    apiserver = await issueCert(ca, { commonName: 'kube-apiserver-kubelet-client', usage: 'client' });
    other = await issueCert(ca, { commonName: 'someone', usage: 'client' });
    // Only the reviews the agent's authorizer asks are answered.
    const client = {
      request: async (_m: string, path: string, body: { spec: { user: string; resourceAttributes: { name: string; subresource: string } } }) => {
        assert.equal(path, '/apis/authorization.k8s.io/v1/subjectaccessreviews');
        reviews.push({ user: body.spec.user, node: body.spec.resourceAttributes.name, subresource: body.spec.resourceAttributes.subresource });
        return { status: { allowed: allow } };
      },
    } as unknown as RestClient;
    const pods = new Map([
      ['ns/a', pod('a', 'sim-0')],
      ['ns/b', pod('b', 'sim-1')],
    ]);
    kubelet = await startSimKubelet({
      client,
      clientCA: ca.cert,
      certUsers: ['kube-apiserver-kubelet-client'],
      servingCertificate: async (node) => {
        issued.push(node);
        if (node === 'sim-3') throw new Error('the signer is away');
        return issueCert(ca, { commonName: `system:node:${node}`, usage: 'server', dnsNames: [node], ips: ['127.0.0.1'] });
      },
      isOurs: (n) => ['sim-0', 'sim-1', 'sim-2', 'sim-3'].includes(n),
      pods: { get: (ns, name) => pods.get(`${ns}/${name}`), onNode: (node) => [...pods.values()].filter((p) => p.spec?.nodeName === node) },
      shape: { cpu: '4', memory: '8Gi', pods: '110' },
      log: logger('sim-kubelet-test'),
    });
  });
  after(() => kubelet?.close());

  const get = (node: string, path: string, who: CertPair | null = apiserver) =>
    new Promise<{ status: number; body: string; peer: X509Certificate }>((resolve, reject) => {
      const req = https.get({ host: '127.0.0.1', port: kubelet.port, path, servername: node, ca: ca.cert, cert: who?.cert, key: who?.key, agent: false, checkServerIdentity: () => undefined }, (res) => {
        const peer = new X509Certificate((res.socket as import('node:tls').TLSSocket).getPeerX509Certificate()!.raw);
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, peer }));
      });
      req.on('error', reject);
    });

  it('serves a container log under the node the server name names, with that node certificate', async () => {
    const r = await get('sim-0', '/containerLogs/ns/a/app');
    assert.equal(r.status, 200, r.body);
    assert.match(r.body, /^gifee sim: container "app" of pod ns\/a runs on simulated node sim-0: /);
    assert.match(r.peer.subject, /CN=system:node:sim-0/);
    assert.equal(r.peer.checkIP('127.0.0.1'), '127.0.0.1');
    assert.deepEqual(reviews.at(-1), { user: 'kube-apiserver-kubelet-client', node: 'sim-0', subresource: 'proxy' });
    const again = await get('sim-0', '/containerLogs/ns/a/app?timestamps=true');
    assert.match(again.body, /^2026-01-02T03:04:05\.000000000Z gifee sim: /);
    assert.deepEqual(issued, ['sim-0'], 'one certificate per node, asked for once');
    const b = await get('sim-1', '/containerLogs/ns/b/app');
    assert.match(b.peer.subject, /CN=system:node:sim-1/);
  });

  it("serves each node's synthetic cAdvisor and Summary figures, agreeing with its /metrics/resource", async () => {
    const resource = await get('sim-0', '/metrics/resource');
    assert.equal(resource.status, 200, resource.body);
    assert.deepEqual(reviews.at(-1), { user: 'kube-apiserver-kubelet-client', node: 'sim-0', subresource: 'metrics' });
    const cadvisor = await get('sim-0', '/metrics/cadvisor');
    assert.equal(cadvisor.status, 200, cadvisor.body);
    assert.match(cadvisor.body, /^container_cpu_usage_seconds_total\{container="app",cpu="total",id="\/gifee\/poduid-a\/uid-a-app",image="",name="uid-a-app",namespace="ns",pod="a"\} /m);
    assert.match(cadvisor.body, /^machine_cpu_cores\{[^}]*\} 4$/m);
    assert.doesNotMatch(cadvisor.body, /pod="b"/);
    const summary = await get('sim-0', '/stats/summary?only_cpu_and_memory=true');
    assert.equal(summary.status, 200, summary.body);
    assert.deepEqual(reviews.at(-1), { user: 'kube-apiserver-kubelet-client', node: 'sim-0', subresource: 'stats' });
    const s = JSON.parse(summary.body);
    assert.equal(s.node.nodeName, 'sim-0');
    assert.deepEqual(
      s.pods.map((p: { podRef: { name: string } }) => p.podRef.name),
      ['a'],
    );
    const ws = /^container_memory_working_set_bytes\{container="app",namespace="ns",pod="a"\} (\d+) /m.exec(resource.body)?.[1];
    assert.equal(s.pods[0].containers[0].memory.workingSetBytes, Number(ws));
    assert.ok(s.pods[0].containers[0].cpu.usageNanoCores > 0);
  });

  it("refuses a pod of another node, other users' certificates, anonymous callers and what the API denies", async () => {
    const cross = await get('sim-0', '/containerLogs/ns/b/app');
    assert.equal(cross.status, 403);
    assert.match(cross.body, /pod ns\/b is not on node sim-0/);
    assert.equal((await get('sim-0', '/containerLogs/ns/a/app', other)).status, 403);
    assert.equal((await get('sim-0', '/containerLogs/ns/a/app', null)).status, 401);
    allow = false;
    try {
      // A decision not cached yet (the agent's authorizer remembers allowed ones for 5 minutes).
      const denied = await get('sim-2', '/exec/ns/c/app?command=ls&stdout=1');
      assert.equal(denied.status, 403);
      assert.match(denied.body, /Forbidden \(user=kube-apiserver-kubelet-client, verb=get, resource=nodes, subresource=proxy\)/);
    } finally {
      allow = true;
    }
  });

  it('has no certificate for a node it does not serve, nor without a server name', async () => {
    await assert.rejects(get('sim-9', '/containerLogs/ns/a/app'));
    await assert.rejects(get('', '/containerLogs/ns/a/app'));
    assert.ok(!issued.includes('sim-9'));
  });

  it('after a failed certificate request, fails handshakes fast for a while instead of asking again at once', async () => {
    await assert.rejects(get('sim-3', '/containerLogs/ns/a/app'));
    await assert.rejects(get('sim-3', '/containerLogs/ns/a/app'));
    assert.equal(issued.filter((n) => n === 'sim-3').length, 1);
  });

  it('refuses port-forward before the upgrade with the reason', async () => {
    const r = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = https.request({
        host: '127.0.0.1',
        port: kubelet.port,
        path: '/portForward/ns/a',
        servername: 'sim-0',
        ca: ca.cert,
        cert: apiserver.cert,
        key: apiserver.key,
        agent: false,
        checkServerIdentity: () => undefined,
        headers: { Connection: 'Upgrade', Upgrade: 'SPDY/3.1', 'X-Stream-Protocol-Version': 'portforward.k8s.io' },
      });
      req.on('upgrade', () => reject(new Error('upgraded')));
      req.on('response', (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(r.status, 400);
    assert.match(JSON.parse(r.body).message, /gifee sim: cannot forward ports to pod ns\/a: sim-0 is a simulated node/);
  });
});
