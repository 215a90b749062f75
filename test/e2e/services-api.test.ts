// Services in the API, driven by kubectl against a real gifee server: ClusterIP and node port
// allocation (kubectl create service / expose, get svc columns), Kubernetes' 422 messages for taken
// and out-of-range values, immutability, headless and ExternalName services, allocations freed on
// delete and type change and kept across a restart, and the kubernetes Service with its
// Endpoints/EndpointSlice. Runs on SQLite and on etcd.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { etcdAvailable, forEachBackend } from '../helpers/backends.js';
import { startEtcd } from '../helpers/etcd.js';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { testImages, importImages } from '../helpers/images.js';

const svcYaml = (name: string, spec: Record<string, unknown>) => JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { ports: [{ port: 80 }], selector: { app: name }, ...spec } });

forEachBackend('services api', (cluster) => {
  const k = (args: string[], input?: string) => cluster().kubectl(args, input === undefined ? {} : { input });
  const fails = async (args: string[], input?: string) => {
    const r = await cluster().kubectl(args, { allowFail: true, ...(input === undefined ? {} : { input }) });
    assert.notEqual(r.code, 0, `kubectl ${args.join(' ')} should fail`);
    return r.stderr;
  };
  const jp = async (what: string[], path: string) => (await k(['get', ...what, '-o', `jsonpath=${path}`])).stdout;

  test('the kubernetes service: ClusterIP .1, https 443 to the API server, Endpoints and EndpointSlice', async () => {
    const out = (await k(['get', 'svc', 'kubernetes', '-n', 'default'])).stdout;
    assert.match(out, /^kubernetes\s+ClusterIP\s+10\.43\.0\.1\s+<none>\s+443\/TCP\s+/m);
    const port = new URL(cluster().url).port;
    assert.equal(await jp(['endpoints', 'kubernetes'], '{.subsets[0].addresses[0].ip}:{.subsets[0].ports[0].port}'), `127.0.0.1:${port}`);
    assert.equal(await jp(['endpointslices', 'kubernetes'], '{.metadata.labels.kubernetes\\.io/service-name} {.endpoints[0].addresses[0]} {.ports[0].port} {.ports[0].name}'), `kubernetes 127.0.0.1 ${port} https`);
    // Idempotent across a restart: still one address, the same IP, no error.
    await cluster().restart();
    assert.equal(await jp(['svc', 'kubernetes'], '{.spec.clusterIP}'), '10.43.0.1');
    assert.equal(await jp(['endpoints', 'kubernetes'], '{.subsets[0].addresses[*].ip}'), '127.0.0.1');
  });

  test('kubectl create service clusterip and nodeport: IPs from the service CIDR, ports shown as 80:30080/TCP', async () => {
    await k(['create', 'service', 'clusterip', 'web-a', '--tcp=80:8080']);
    const ip = await jp(['svc', 'web-a'], '{.spec.clusterIP}');
    assert.match(ip, /^10\.43\.\d+\.\d+$/);
    assert.notEqual(ip, '10.43.0.1');
    assert.equal(await jp(['svc', 'web-a'], '{.spec.clusterIPs[0]} {.spec.ipFamilies[0]} {.spec.ipFamilyPolicy}'), `${ip} IPv4 SingleStack`);
    await k(['create', 'service', 'nodeport', 'web-np', '--tcp=80:8080', '--node-port=30080']);
    const out = (await k(['get', 'svc', 'web-a', 'web-np'])).stdout;
    assert.match(out, /^web-a\s+ClusterIP\s+10\.43\.\d+\.\d+\s+<none>\s+80\/TCP\s+/m);
    assert.match(out, /^web-np\s+NodePort\s+10\.43\.\d+\.\d+\s+<none>\s+80:30080\/TCP\s+/m);
    // A node port picked by the server lies in the range.
    await k(['create', 'service', 'nodeport', 'web-np2', '--tcp=81:8080']);
    const np = Number(await jp(['svc', 'web-np2'], '{.spec.ports[0].nodePort}'));
    assert.ok(np >= 30000 && np <= 32767, `node port ${np}`);
  });

  test("taken and out-of-range values: Kubernetes' 422 messages, seen by kubectl", async () => {
    const ip = await jp(['svc', 'web-a'], '{.spec.clusterIP}');
    let err = await fails(['create', '-f', '-'], svcYaml('dup-ip', { clusterIP: ip }));
    assert.match(err, new RegExp(`The Service "dup-ip" is invalid: spec\\.clusterIPs: Invalid value: \\[\\]string\\{"${ip.replace(/\./g, '\\.')}"\\}: failed to allocate IP ${ip.replace(/\./g, '\\.')}: provided IP is already allocated`));
    err = await fails(['create', '-f', '-'], svcYaml('far-ip', { clusterIP: '10.99.0.5' }));
    assert.match(err, /spec\.clusterIPs: Invalid value: \[\]string\{"10\.99\.0\.5"\}: failed to allocate IP 10\.99\.0\.5: the provided IP \(10\.99\.0\.5\) is not in the valid range\. The range of valid IPs is 10\.43\.0\.0\/16/);
    err = await fails(['create', '-f', '-'], svcYaml('bad-ip', { clusterIP: 'ten.0.0.1' }));
    assert.match(err, /spec\.clusterIPs\[0\]: Invalid value: "ten\.0\.0\.1": must be a valid IP address/);
    err = await fails(['create', 'service', 'nodeport', 'dup-np', '--tcp=80:8080', '--node-port=30080']);
    assert.match(err, /Service "dup-np" is invalid: spec\.ports\[0\]\.nodePort: Invalid value: 30080: provided port is already allocated/);
    err = await fails(['create', 'service', 'nodeport', 'far-np', '--tcp=80:8080', '--node-port=40000']);
    assert.match(err, /spec\.ports\[0\]\.nodePort: Invalid value: 40000: provided port is not in the valid range\. The range of valid ports is 30000-32767/);
    // A refused create leaves nothing allocated: the same request for a free IP then works.
    await k(['create', '-f', '-'], svcYaml('fixed-ip', { clusterIP: '10.43.0.77' }));
    assert.equal(await jp(['svc', 'fixed-ip'], '{.spec.clusterIP}'), '10.43.0.77');
  });

  test('clusterIP is immutable; a replace without it keeps it; node ports stay on apply', async () => {
    const err = await fails(['patch', 'svc', 'fixed-ip', '-p', '{"spec":{"clusterIP":"10.43.0.78","clusterIPs":["10.43.0.78"]}}']);
    assert.match(err, /spec\.clusterIP: Invalid value: "10\.43\.0\.78": field is immutable/);
    // kubectl replace of a manifest without clusterIP keeps the allocated one.
    await k(['replace', '-f', '-'], svcYaml('fixed-ip', { ports: [{ port: 8080 }] }));
    assert.equal(await jp(['svc', 'fixed-ip'], '{.spec.clusterIP} {.spec.ports[0].port}'), '10.43.0.77 8080');
    const np = await jp(['svc', 'web-np2'], '{.spec.ports[0].nodePort}');
    await k(['replace', '-f', '-'], svcYaml('web-np2', { type: 'NodePort', ports: [{ port: 81, targetPort: 8080 }] }));
    assert.equal(await jp(['svc', 'web-np2'], '{.spec.ports[0].nodePort}'), np);
  });

  test('headless and ExternalName services get no ClusterIP', async () => {
    await k(['create', 'service', 'clusterip', 'headless', '--clusterip=None', '--tcp=80:8080']);
    await k(['create', 'service', 'externalname', 'ext', '--external-name=example.invalid']);
    const out = (await k(['get', 'svc', 'headless', 'ext'])).stdout;
    assert.match(out, /^headless\s+ClusterIP\s+None\s+<none>\s+80\/TCP/m);
    assert.match(out, /^ext\s+ExternalName\s+<none>\s+example\.invalid\s+<none>/m);
    assert.equal(await jp(['svc', 'headless'], '{.spec.clusterIPs[0]}'), 'None');
    assert.equal(await jp(['svc', 'ext'], '{.spec.clusterIP}|{.spec.clusterIPs}'), '|');
    const err = await fails(['create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'ext-ip' }, spec: { type: 'ExternalName', externalName: 'a.invalid', clusterIP: '10.43.0.90' } }));
    assert.match(err, /spec\.clusterIP: Forbidden: may not be set for ExternalName services/);
  });

  test('delete and type changes free what a service held', async () => {
    // Deleting frees the IP and node port for the next service that asks for them.
    const ip = await jp(['svc', 'web-np'], '{.spec.clusterIP}');
    await k(['delete', 'svc', 'web-np']);
    await k(['create', '-f', '-'], svcYaml('reuse', { clusterIP: ip, type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }));
    assert.equal(await jp(['svc', 'reuse'], '{.spec.clusterIP} {.spec.ports[0].nodePort}'), `${ip} 30080`);
    // NodePort -> ClusterIP drops and frees the node port.
    await k(['patch', 'svc', 'reuse', '-p', '{"spec":{"type":"ClusterIP"}}']);
    assert.equal(await jp(['svc', 'reuse'], '{.spec.type} {.spec.ports[0].nodePort}'), 'ClusterIP ');
    await k(['create', 'service', 'nodeport', 'np-again', '--tcp=80:8080', '--node-port=30080']);
    // ClusterIP -> NodePort allocates a node port, keeping the IP.
    const aIP = await jp(['svc', 'web-a'], '{.spec.clusterIP}');
    await k(['patch', 'svc', 'web-a', '-p', '{"spec":{"type":"NodePort"}}']);
    const [aIP2, aNP] = (await jp(['svc', 'web-a'], '{.spec.clusterIP} {.spec.ports[0].nodePort}')).split(' ');
    assert.equal(aIP2, aIP);
    assert.ok(Number(aNP) >= 30000 && Number(aNP) <= 32767, `node port ${aNP}`);
    // ClusterIP -> ExternalName frees the IP.
    await k(['patch', 'svc', 'reuse', '-p', '{"spec":{"type":"ExternalName","externalName":"x.invalid"}}']);
    assert.equal(await jp(['svc', 'reuse'], '{.spec.clusterIP}'), '');
    await k(['create', '-f', '-'], svcYaml('reuse-ip', { clusterIP: ip }));
    // ExternalName -> ClusterIP allocates a new one.
    await k(['patch', 'svc', 'reuse', '-p', '{"spec":{"type":"ClusterIP","externalName":null,"ports":[{"port":80}]}}']);
    assert.match(await jp(['svc', 'reuse'], '{.spec.clusterIP}'), /^10\.43\./);
  });

  test('allocations survive a restart', async () => {
    const ip = await jp(['svc', 'reuse-ip'], '{.spec.clusterIP}');
    await cluster().restart();
    const err = await fails(['create', '-f', '-'], svcYaml('after-restart', { clusterIP: ip }));
    assert.match(err, /provided IP is already allocated/);
    const err2 = await fails(['create', 'service', 'nodeport', 'after-restart', '--tcp=80:8080', '--node-port=30080']);
    assert.match(err2, /provided port is already allocated/);
  });
});

// Real pods (runc, CNI) behind a Service: endpoints follow readiness as the agent reports it.
const noRoot = process.getuid?.() !== 0 || process.platform !== 'linux' ? 'real pods need Linux and root (runc, mounts, network namespaces)' : false;

describe('service endpoints of real pods', { skip: noRoot }, () => {
  let c: Cluster;
  const k = (args: string[], input?: string) => c.kubectl(args, input === undefined ? {} : { input });
  const jp = async (what: string[], path: string) => (await c.kubectl(['get', ...what, '-o', `jsonpath=${path}`], { allowFail: true })).stdout;
  const until = async (what: string, fn: () => Promise<boolean>, ms = 60_000) => {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      if (await fn().catch(() => false)) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    const state = await c.kubectl(['get', 'pods,endpoints,endpointslices', '-o', 'wide'], { allowFail: true });
    throw new Error(`timed out waiting for ${what}\n${state.stdout}${state.stderr}`);
  };
  const slices = async (svc: string) => JSON.parse((await k(['get', 'endpointslices', '-l', `kubernetes.io/service-name=${svc}`, '-o', 'json'])).stdout).items as any[];
  const sliceEndpoints = async (svc: string) => (await slices(svc)).flatMap((s) => (s.endpoints ?? []).map((e: any) => ({ ip: e.addresses[0], pod: e.targetRef?.name, ...e.conditions, ports: (s.ports ?? []).map((p: any) => p.port) })));

  before(async () => {
    const images = await testImages();
    c = await startCluster({ agent: true });
    await importImages(c.dataDir, [images.web1]);
  });
  after(async () => {
    await c?.stop();
  });

  test('kubectl expose deployment: slices and Endpoints list pod IPs only once ready', async () => {
    const deploy = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'echo' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'echo' } },
        template: {
          metadata: { labels: { app: 'echo' } },
          spec: {
            terminationGracePeriodSeconds: 2,
            containers: [
              {
                name: 'web',
                image: 'gifee.local/web:1',
                ports: [{ name: 'http', containerPort: 8080 }],
                // Ready once /www/ready.html exists, which the test writes with kubectl exec.
                readinessProbe: { httpGet: { path: '/ready.html', port: 'http' }, periodSeconds: 1, failureThreshold: 1 },
              },
            ],
          },
        },
      },
    };
    await k(['apply', '-f', '-'], JSON.stringify(deploy));
    await k(['expose', 'deployment', 'echo', '--port=80', '--target-port=http']);
    assert.match((await k(['get', 'svc', 'echo'])).stdout, /^echo\s+ClusterIP\s+\d+\.\d+\.\d+\.\d+\s+<none>\s+80\/TCP/m);
    // Both pods get IPs and appear in the slice, not ready; Endpoints lists them as not ready.
    await until('two not-ready endpoints', async () => {
      const eps = await sliceEndpoints('echo');
      return eps.length === 2 && eps.every((e) => e.ready === false && e.serving === false && e.terminating === false);
    });
    const eps = await sliceEndpoints('echo');
    assert.deepEqual(
      eps.map((e) => e.ports),
      [[8080], [8080]],
      'the named targetPort resolved to the container port',
    );
    const [s] = await slices('echo');
    assert.equal(s.metadata.labels['endpointslice.kubernetes.io/managed-by'], 'endpointslice-controller.k8s.io');
    assert.equal(s.metadata.ownerReferences[0].kind, 'Service');
    assert.match(s.metadata.name, /^echo-[a-z0-9]{5}$/);
    assert.match((await k(['get', 'endpoints', 'echo'])).stdout, /^echo\s+<none>/m);
    assert.equal((await jp(['endpoints', 'echo'], '{.subsets[0].notReadyAddresses[*].ip}')).split(' ').length, 2);

    // One pod becomes ready: only its IP is listed as ready, in both APIs.
    const first = eps[0];
    await k(['exec', first.pod, '--', 'sh', '-c', 'echo ok > /www/ready.html']);
    await until('the first pod ready in the slice', async () => (await sliceEndpoints('echo')).some((e) => e.pod === first.pod && e.ready && e.serving));
    await until('the first pod in Endpoints', async () => (await k(['get', 'endpoints', 'echo'])).stdout.includes(`${first.ip}:8080`));
    assert.equal(await jp(['endpoints', 'echo'], '{.subsets[0].addresses[*].ip}'), first.ip);
    assert.match((await k(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=echo'])).stdout, new RegExp(`IPv4\\s+8080\\s+\\S*${first.ip.replace(/\./g, '\\.')}`));

    // The ready pod is deleted: it leaves Endpoints and the slice (terminating first), its replacement is not ready.
    await k(['delete', 'pod', first.pod, '--wait=false']);
    await until('the deleted pod gone from Endpoints', async () => !(await k(['get', 'endpoints', 'echo'])).stdout.includes(first.ip));
    await until('the deleted pod gone from the slice', async () => !(await sliceEndpoints('echo')).some((e) => e.pod === first.pod));
    await until('a replacement endpoint', async () => (await sliceEndpoints('echo')).length === 2);
  });

  test('a headless service lists its pods; a service selecting nothing has an empty placeholder slice', async () => {
    await k(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'echo-headless' }, spec: { clusterIP: 'None', selector: { app: 'echo' }, ports: [{ port: 8080 }] } }));
    await until('headless slice with two endpoints', async () => (await sliceEndpoints('echo-headless')).length === 2);
    const [s] = await slices('echo-headless');
    assert.equal(s.metadata.labels['service.kubernetes.io/headless'], '');
    await k(['create', 'service', 'clusterip', 'nobody', '--tcp=80:8080']);
    await until('placeholder slice', async () => (await slices('nobody')).length === 1);
    const [p] = await slices('nobody');
    assert.deepEqual(p.endpoints ?? [], []);
    // Deleting the Service removes its slices (owner references) and its Endpoints.
    await k(['delete', 'svc', 'echo-headless']);
    await until('slices of a deleted service gone', async () => (await slices('echo-headless')).length === 0);
    await until('endpoints of a deleted service gone', async () => (await c.kubectl(['get', 'endpoints', 'echo-headless'], { allowFail: true })).code !== 0);
  });
});

// Two API servers on one etcd allocate from one pool: concurrent creates through both never share
// an IP, and the same requested IP raced through both goes to exactly one.
describe('service allocation with two API servers on one etcd', { skip: etcdAvailable() ? false : 'etcd not installed' }, () => {
  let etcd: Awaited<ReturnType<typeof startEtcd>>;
  let a: Cluster;
  let b: Cluster;
  // Custom ranges, the same on both servers.
  const ranges = ['--service-cidr', '10.96.0.0/16', '--service-node-port-range', '31000-31099'];
  before(async () => {
    etcd = await startEtcd();
    a = await startCluster({ backend: 'etcd', etcdEndpoints: etcd.endpoints, extraArgs: ['--no-controllers', ...ranges] });
    b = await startCluster({ backend: 'etcd', etcdEndpoints: etcd.endpoints, extraArgs: ['--no-controllers', ...ranges] });
  });
  after(async () => {
    await a?.stop();
    await b?.stop();
    await etcd?.stop();
  });

  const create = (c: Cluster, name: string, spec: Record<string, unknown> = {}) => c.request('POST', '/api/v1/namespaces/default/services', { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { ports: [{ port: 80 }], ...spec } });

  test('concurrent creates through both servers get distinct ClusterIPs and node ports', async () => {
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => create(i % 2 ? a : b, `s${i}`, { type: 'NodePort' })));
    for (const r of results) assert.equal(r.status, 201, r.body);
    const ips = results.map((r) => r.json.spec.clusterIP);
    const ports = results.map((r) => r.json.spec.ports[0].nodePort);
    assert.equal(new Set(ips).size, 40);
    assert.equal(new Set(ports).size, 40);
    for (const p of ports) assert.ok(p >= 31000 && p <= 31099, `node port ${p} in --service-node-port-range`);
    for (const ip of ips) assert.match(ip, /^10\.96\./);
    assert.equal((await a.request('GET', '/api/v1/namespaces/default/services/kubernetes')).json.spec.clusterIP, '10.96.0.1');
    assert.ok(!ips.includes('10.96.0.1'), 'the kubernetes Service keeps .1');
  });

  test('one requested IP raced through both servers: one 201, the rest 422 already allocated', async () => {
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => create(i % 2 ? a : b, `race${i}`, { clusterIP: '10.96.0.50' })));
    assert.equal(results.filter((r) => r.status === 201).length, 1);
    for (const r of results.filter((x) => x.status !== 201)) {
      assert.equal(r.status, 422);
      assert.match(r.json.message, /failed to allocate IP 10\.96\.0\.50: provided IP is already allocated/);
      assert.equal(r.json.details.causes[0].field, 'spec.clusterIPs');
    }
  });

  test('deleted through one server, the IP is free through the other', async () => {
    const winner = (await a.request('GET', '/api/v1/namespaces/default/services?fieldSelector=spec.clusterIP%3D10.96.0.50')).json.items[0].metadata.name;
    assert.equal((await a.request('DELETE', `/api/v1/namespaces/default/services/${winner}`)).status, 200);
    assert.equal((await create(b, 'after-delete', { clusterIP: '10.96.0.50' })).status, 201);
  });
});
