// Admission webhooks with the real kubectl and a real HTTPS webhook server in the test (signed by a
// test CA, on 127.0.0.1, reached through the url form): a validating webhook refusing labelled pods
// (with its warning), a mutating webhook adding a label with a JSON patch, failurePolicy Ignore and
// Fail with the server down, slow or answering garbage, namespaceSelector, CEL matchConditions,
// and dry runs sent to webhooks without side effects. Each case has its own namespace, selected by
// the configuration's namespaceSelector, so the cases do not see each other's webhooks.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Cluster, freePort, startCluster } from '../helpers/cluster.js';
import { until } from '../helpers/wait.js';
import { patchOf, reviewResponse, startWebhookServer, type TestWebhookServer } from '../helpers/webhook-server.js';

let c: Cluster;
let hooks: TestWebhookServer;
let auditDir: string;
const AUDIT_POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: Request
  resources:
  - group: ""
    resources: ["configmaps"]
- level: None
`;

before(async () => {
  hooks = await startWebhookServer((path, body, res) => {
    const req = body?.request;
    const route = path.split('?')[0];
    switch (route) {
      case '/deny-labelled':
        if (req?.object?.metadata?.labels?.deny === 'true') return reviewResponse(body, { allowed: false, status: { code: 403, reason: 'Forbidden', message: 'pods labelled deny=true are not allowed' } });
        return reviewResponse(body, { allowed: true, warnings: ['checked by the e2e webhook'] });
      case '/add-label': {
        const ops = req?.object?.metadata?.labels ? [{ op: 'add', path: '/metadata/labels/injected', value: 'by-webhook' }] : [{ op: 'add', path: '/metadata/labels', value: { injected: 'by-webhook' } }];
        return reviewResponse(body, { allowed: true, ...patchOf(ops), auditAnnotations: { injected: 'by-webhook' } });
      }
      case '/no-rm':
        if ((req?.object?.command ?? []).includes('rm')) return reviewResponse(body, { allowed: false, status: { code: 403, reason: 'Forbidden', message: 'no rm in exec' } });
        return reviewResponse(body, { allowed: true });
      case '/scale-cap':
        // Reviews of deployments/scale carry an autoscaling/v1 Scale: more than 5 is refused, 4-5 capped to 3.
        if (req?.object?.kind !== 'Scale') return reviewResponse(body, { allowed: false, status: { message: `expected a Scale, got ${req?.object?.kind}` } });
        if (req.object.spec.replicas > 5) return reviewResponse(body, { allowed: false, status: { code: 403, message: 'at most 5 replicas' } });
        if (req.object.spec.replicas > 3) return reviewResponse(body, { allowed: true, ...patchOf([{ op: 'replace', path: '/spec/replicas', value: 3 }]) });
        return reviewResponse(body, { allowed: true });
      case '/refuse':
        return reviewResponse(body, { allowed: false, status: { message: `refused ${req?.name}` } });
      case '/allow':
        return reviewResponse(body, { allowed: true });
      case '/slow':
        return new Promise(() => {});
      case '/garbage':
        res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"this is": not json');
        return undefined;
      case '/wrong-uid':
        return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: 'not-the-uid', allowed: true } };
      default:
        res.writeHead(404).end();
        return undefined;
    }
  });
  auditDir = await mkdtemp(join(tmpdir(), 'gifee-webhook-audit-'));
  await writeFile(join(auditDir, 'policy.yaml'), AUDIT_POLICY);
  c = await startCluster({ extraArgs: ['--audit-policy-file', join(auditDir, 'policy.yaml'), '--audit-log-path', join(auditDir, 'audit.log')] });
});
after(async () => {
  await c?.stop();
  await hooks?.close();
  if (auditDir) await rm(auditDir, { recursive: true, force: true });
});

async function auditEvents(): Promise<any[]> {
  const text = await readFile(join(auditDir, 'audit.log'), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

const G = 'admissionregistration.k8s.io/v1';

/** A namespace labelled for one case. */
async function caseNamespace(name: string) {
  await c.kubectl(['create', 'namespace', name]);
  await c.kubectl(['label', 'namespace', name, `e2e-case=${name}`]);
}

function webhook(name: string, ns: string, o: Record<string, unknown> & { path?: string; url?: string; resources?: string[] } = {}) {
  const { path, url, resources, ...rest } = o;
  return {
    name: `${name}.e2e.gifee.io`,
    clientConfig: { url: url ?? hooks.url(path ?? '/allow'), caBundle: hooks.caBundle },
    rules: [{ operations: ['CREATE', 'UPDATE'], apiGroups: [''], apiVersions: ['v1'], resources: resources ?? ['pods', 'configmaps'] }],
    namespaceSelector: { matchLabels: { 'e2e-case': ns } },
    sideEffects: 'None',
    admissionReviewVersions: ['v1'],
    timeoutSeconds: 5,
    ...rest,
  };
}

async function configure(kind: 'Validating' | 'Mutating', name: string, webhooks: unknown[]) {
  const obj = { apiVersion: G, kind: `${kind}WebhookConfiguration`, metadata: { name }, webhooks };
  await c.kubectl(['apply', '-f', '-'], { input: JSON.stringify(obj) });
}

const configMap = (ns: string, name: string, labels: Record<string, string> = {}) => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns, labels }, data: { a: 'b' } });
const create = (input: string, extra: string[] = []) => c.kubectl(['create', '-f', '-', ...extra], { input, allowFail: true });

/** Waits until a configuration takes effect: `probe` (a create) is refused; returns how long it took. */
async function untilRefused(probe: () => Promise<{ code: number }>): Promise<number> {
  const t0 = Date.now();
  await until('the webhook configuration takes effect', async () => (await probe()).code !== 0, { timeoutMs: 10_000, intervalMs: 100 });
  return Date.now() - t0;
}

test('a validating webhook refuses pods with a label, with its message; allowed pods carry its warning', async () => {
  await caseNamespace('wh-validate');
  await until('default service account', async () => (await c.kubectl(['get', 'sa', 'default', '-n', 'wh-validate'], { allowFail: true })).code === 0, { timeoutMs: 30_000 });
  const pod = (name: string, labels: Record<string, string>) => JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'wh-validate', labels }, spec: { containers: [{ name: 'c', image: 'gifee.local/busybox:1' }] } });
  await configure('Validating', 'deny-labelled', [webhook('deny-labelled', 'wh-validate', { path: '/deny-labelled', resources: ['pods'] })]);
  const took = await untilRefused(() => create(pod('probe', { deny: 'true' }), ['--dry-run=server']));
  assert.ok(took < 2000, `took effect in ${took} ms`);
  const refused = await create(pod('bad', { deny: 'true' }));
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /admission webhook "deny-labelled\.e2e\.gifee\.io" denied the request: pods labelled deny=true are not allowed/);
  const ok = await create(pod('good', { app: 'web' }));
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stderr, /Warning: checked by the e2e webhook/);
  const review = hooks.received.filter((r) => r.path.startsWith('/deny-labelled')).at(-1)!.body;
  assert.equal(review.apiVersion, 'admission.k8s.io/v1');
  assert.equal(review.kind, 'AdmissionReview');
  const req = review.request;
  assert.match(req.uid, /^[0-9a-f-]{36}$/);
  assert.deepEqual(req.kind, { group: '', version: 'v1', kind: 'Pod' });
  assert.deepEqual(req.resource, { group: '', version: 'v1', resource: 'pods' });
  assert.equal(req.operation, 'CREATE');
  assert.equal(req.name, 'good');
  assert.equal(req.namespace, 'wh-validate');
  assert.equal(req.userInfo.username.length > 0, true);
  assert.equal(req.object.metadata.name, 'good');
  assert.equal(req.oldObject, null);
  assert.equal(req.dryRun, false);
  assert.equal(req.options.kind, 'CreateOptions');
  // Other namespaces are not sent to it.
  await c.kubectl(['create', 'namespace', 'wh-other']);
  const n = hooks.received.length;
  assert.equal((await create(configMap('wh-other', 'x', { deny: 'true' }))).code, 0);
  assert.equal(hooks.received.length, n, 'namespaceSelector kept the request from the webhook');
  await c.kubectl(['delete', 'validatingwebhookconfiguration', 'deny-labelled']);
});

test('CONNECT: kubectl exec goes to a webhook as PodExecOptions, which may refuse it', async () => {
  await caseNamespace('wh-connect');
  await until('default service account', async () => (await c.kubectl(['get', 'sa', 'default', '-n', 'wh-connect'], { allowFail: true })).code === 0, { timeoutMs: 30_000 });
  await c.kubectl(['run', 'target', '-n', 'wh-connect', '--image=gifee.local/busybox:1', '--', 'sleep', '3600']);
  await configure('Validating', 'no-rm', [webhook('no-rm', 'wh-connect', { path: '/no-rm', rules: [{ operations: ['CONNECT'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods/exec'] }] })]);
  const exec = (...command: string[]) => c.kubectl(['exec', '-n', 'wh-connect', 'target', '--', ...command], { allowFail: true });
  await untilRefused(() => exec('rm', '-rf', '/data'));
  const refused = await exec('rm', '-rf', '/data');
  assert.match(refused.stderr, /admission webhook "no-rm\.e2e\.gifee\.io" denied the request: no rm in exec/);
  const req = hooks.received.filter((r) => r.path.startsWith('/no-rm')).at(-1)!.body.request;
  assert.equal(req.operation, 'CONNECT');
  assert.deepEqual(req.kind, { group: '', version: 'v1', kind: 'PodExecOptions' });
  assert.deepEqual(req.resource, { group: '', version: 'v1', resource: 'pods' });
  assert.equal(req.subResource, 'exec');
  assert.equal(req.name, 'target');
  assert.equal(req.object.kind, 'PodExecOptions');
  assert.deepEqual(req.object.command, ['rm', '-rf', '/data']);
  assert.equal(req.object.stdout, true);
  assert.equal(req.options, null);
  // An allowed exec passes admission and fails only because this cluster has no node to run the pod.
  const allowed = await exec('ls');
  assert.notEqual(allowed.code, 0);
  assert.doesNotMatch(allowed.stderr, /denied the request/);
  await c.kubectl(['delete', 'validatingwebhookconfiguration', 'no-rm']);
});

test('*/scale: webhooks review an autoscaling/v1 Scale, and a mutating webhook’s patch of it sets the replicas', async () => {
  await caseNamespace('wh-scale');
  await c.kubectl(['create', 'deployment', 'web', '-n', 'wh-scale', '--image=gifee.local/busybox:1', '--replicas=1']);
  await configure('Mutating', 'scale-cap', [webhook('scale-cap', 'wh-scale', { path: '/scale-cap', rules: [{ operations: ['UPDATE'], apiGroups: ['apps'], apiVersions: ['v1'], resources: ['deployments/scale'] }] })]);
  const scale = (n: number) => c.kubectl(['scale', 'deployment', 'web', '-n', 'wh-scale', `--replicas=${n}`], { allowFail: true });
  await untilRefused(() => scale(9));
  assert.match((await scale(9)).stderr, /admission webhook "scale-cap\.e2e\.gifee\.io" denied the request: at most 5 replicas/);
  const req = hooks.received.filter((r) => r.path.startsWith('/scale-cap')).at(-1)!.body.request;
  assert.deepEqual(req.kind, { group: 'autoscaling', version: 'v1', kind: 'Scale' });
  assert.deepEqual(req.resource, { group: 'apps', version: 'v1', resource: 'deployments' });
  assert.equal(req.subResource, 'scale');
  assert.equal(req.oldObject.kind, 'Scale');
  assert.equal(req.oldObject.spec.replicas, 1);
  assert.equal((await scale(4)).code, 0);
  assert.equal((await c.kubectl(['get', 'deployment', 'web', '-n', 'wh-scale', '-o', 'jsonpath={.spec.replicas}'])).stdout, '3', 'the webhook capped the Scale to 3');
  await c.kubectl(['delete', 'mutatingwebhookconfiguration', 'scale-cap']);
});

test('a mutating webhook adds a label with a JSON patch; the patched object is validated and stored', async () => {
  await caseNamespace('wh-mutate');
  await configure('Mutating', 'add-label', [webhook('add-label', 'wh-mutate', { path: '/add-label', resources: ['configmaps'] })]);
  await until(
    'the mutating webhook takes effect',
    async () => {
      const name = `probe-${Date.now()}`;
      await create(configMap('wh-mutate', name));
      return (await c.kubectl(['get', 'cm', name, '-n', 'wh-mutate', '-o', 'jsonpath={.metadata.labels.injected}'])).stdout === 'by-webhook';
    },
    { timeoutMs: 10_000, intervalMs: 100 },
  );
  assert.equal((await create(configMap('wh-mutate', 'labelled', { app: 'web' }))).code, 0);
  const labels = JSON.parse((await c.kubectl(['get', 'cm', 'labelled', '-n', 'wh-mutate', '-o', 'jsonpath={.metadata.labels}'])).stdout);
  assert.deepEqual(labels, { app: 'web', injected: 'by-webhook' });
  // Updates go through it too: a label removed comes back.
  await c.kubectl(['label', 'cm', 'labelled', '-n', 'wh-mutate', 'injected-']);
  assert.equal((await c.kubectl(['get', 'cm', 'labelled', '-n', 'wh-mutate', '-o', 'jsonpath={.metadata.labels.injected}'])).stdout, 'by-webhook');
  // The webhook's audit annotations and the patch note are in the request's audit event.
  await until('the audit event of the create', async () => (await auditEvents()).some((e) => e.verb === 'create' && e.objectRef?.name === 'labelled'), { timeoutMs: 10_000 });
  const event = (await auditEvents()).find((e) => e.verb === 'create' && e.objectRef?.name === 'labelled');
  assert.equal(event.annotations['add-label.e2e.gifee.io/injected'], 'by-webhook');
  assert.match(event.annotations['patch.webhook.admission.k8s.io/round_0_index_0'], /"webhook":"add-label.e2e.gifee.io"/);
  await c.kubectl(['delete', 'mutatingwebhookconfiguration', 'add-label']);
});

test('failurePolicy: Ignore lets requests through when the webhook is down, slow or answers garbage; Fail refuses with the reason', async () => {
  await caseNamespace('wh-failure');
  const down = `https://127.0.0.1:${await freePort()}/`;
  const cases = [
    { name: 'down', url: down, message: /failed calling webhook "fail-down\.e2e\.gifee\.io": failed to call webhook: Post "https:\/\/127\.0\.0\.1:\d+\/\?timeout=1s": .*ECONNREFUSED/ },
    { name: 'slow', path: '/slow', message: /failed calling webhook "fail-slow\.e2e\.gifee\.io": failed to call webhook: Post .*context deadline exceeded/ },
    { name: 'garbage', path: '/garbage', message: /failed calling webhook "fail-garbage\.e2e\.gifee\.io": failed to call webhook: .*not JSON/ },
    { name: 'wrong-uid', path: '/wrong-uid', message: /failed calling webhook "fail-wrong-uid\.e2e\.gifee\.io": received invalid webhook response: expected response.uid=/ },
  ];
  // Ignore: every request passes (the slow one after its 1s timeout).
  await configure(
    'Validating',
    'ignore-failures',
    cases.map((k) => webhook(`ignore-${k.name}`, 'wh-failure', { url: k.url, path: k.path, failurePolicy: 'Ignore', timeoutSeconds: 1 })),
  );
  // Until the configuration is seen, nothing is slow: wait for the slow webhook to be called.
  await until(
    'the ignore configuration takes effect',
    async () => {
      await create(configMap('wh-failure', `probe-${Date.now()}`));
      return hooks.received.some((r) => r.path.startsWith('/slow'));
    },
    { timeoutMs: 10_000, intervalMs: 200 },
  );
  const t0 = Date.now();
  const passed = await create(configMap('wh-failure', 'passes'));
  assert.equal(passed.code, 0, passed.stderr);
  assert.ok(Date.now() - t0 < 4000, 'the slow webhook was given up after its timeout');
  await c.kubectl(['delete', 'validatingwebhookconfiguration', 'ignore-failures']);
  for (const k of cases) {
    await configure('Validating', `fail-${k.name}`, [webhook(`fail-${k.name}`, 'wh-failure', { url: k.url, path: k.path, failurePolicy: 'Fail', timeoutSeconds: 1 })]);
    await untilRefused(() => create(configMap('wh-failure', `probe-${k.name}-${Date.now()}`)));
    const r = await create(configMap('wh-failure', `refused-${k.name}`));
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Internal error occurred: /);
    assert.match(r.stderr, k.message);
    await c.kubectl(['delete', 'validatingwebhookconfiguration', `fail-${k.name}`]);
  }
});

test('namespaceSelector and objectSelector', async () => {
  await c.kubectl(['create', 'namespace', 'wh-ns-on']);
  await c.kubectl(['label', 'namespace', 'wh-ns-on', 'webhooks=on']);
  await c.kubectl(['create', 'namespace', 'wh-ns-off']);
  await configure('Validating', 'selectors', [webhook('selectors', '', { path: '/refuse', resources: ['configmaps'], namespaceSelector: { matchExpressions: [{ key: 'webhooks', operator: 'In', values: ['on'] }] }, objectSelector: { matchExpressions: [{ key: 'exempt', operator: 'DoesNotExist' }] } })]);
  await untilRefused(() => create(configMap('wh-ns-on', `probe-${Date.now()}`)));
  assert.match((await create(configMap('wh-ns-on', 'refused'))).stderr, /admission webhook "selectors\.e2e\.gifee\.io" denied the request: refused refused/);
  assert.equal((await create(configMap('wh-ns-on', 'exempted', { exempt: 'yes' }))).code, 0, 'objectSelector');
  assert.equal((await create(configMap('wh-ns-off', 'elsewhere'))).code, 0, 'namespaceSelector');
  // Labelling the namespace brings it in.
  await c.kubectl(['label', 'namespace', 'wh-ns-off', 'webhooks=on']);
  // (Namespace labels are read from a watch-fed cache, as Kubernetes' namespace lister: within moments.)
  await untilRefused(() => create(configMap('wh-ns-off', `now-refused-${Date.now()}`)));
  await c.kubectl(['delete', 'validatingwebhookconfiguration', 'selectors']);
});

test('matchConditions in CEL choose which requests are sent', async () => {
  await caseNamespace('wh-cel');
  await configure('Validating', 'cel-conditions', [
    webhook('cel', 'wh-cel', {
      path: '/refuse',
      resources: ['configmaps'],
      matchConditions: [
        { name: 'name-prefix', expression: "object.metadata.name.startsWith('cel-')" },
        { name: 'not-admin-labelled', expression: "!has(object.metadata.labels) || !('admin' in object.metadata.labels)" },
      ],
    }),
  ]);
  await untilRefused(() => create(configMap('wh-cel', `cel-probe-${Date.now()}`)));
  assert.match((await create(configMap('wh-cel', 'cel-refused'))).stderr, /denied the request: refused cel-refused/);
  assert.equal((await create(configMap('wh-cel', 'plain'))).code, 0);
  assert.equal((await create(configMap('wh-cel', 'cel-admin', { admin: 'yes' }))).code, 0);
  // A condition that fails to evaluate is decided by failurePolicy (Fail by default).
  await configure('Validating', 'cel-conditions', [webhook('cel', 'wh-cel', { path: '/allow', resources: ['configmaps'], matchConditions: [{ name: 'bad', expression: 'object.spec.nothing == 1' }] })]);
  await until('the changed configuration', async () => /match conditions/.test((await create(configMap('wh-cel', `x-${Date.now()}`))).stderr), { timeoutMs: 10_000, intervalMs: 100 });
  // The authorizer variable asks the server's authorizer about the requesting user (here the admin).
  const byPermission = (expression: string) => webhook('cel', 'wh-cel', { path: '/refuse', resources: ['configmaps'], matchConditions: [{ name: 'permission', expression }] });
  await configure('Validating', 'cel-conditions', [byPermission("!authorizer.group('').resource('secrets').namespace('kube-system').check('list').allowed()")]);
  await until('the authorizer condition takes effect', async () => (await create(configMap('wh-cel', `authz-${Date.now()}`))).code === 0, { timeoutMs: 10_000, intervalMs: 100 });
  await configure('Validating', 'cel-conditions', [byPermission("authorizer.group('').resource('secrets').namespace('kube-system').check('list').allowed()")]);
  await until('the admin, who may list secrets, is sent to the webhook', async () => /denied the request: refused authz-/.test((await create(configMap('wh-cel', `authz-${Date.now()}`))).stderr), { timeoutMs: 10_000, intervalMs: 100 });
  await c.kubectl(['delete', 'validatingwebhookconfiguration', 'cel-conditions']);
});

test('dry runs go to webhooks without side effects, flagged dryRun, and store nothing', async () => {
  await caseNamespace('wh-dry');
  await configure('Mutating', 'dry-run', [webhook('dry-none', 'wh-dry', { path: '/add-label', resources: ['configmaps'], sideEffects: 'None' }), webhook('dry-none-on-dry-run', 'wh-dry', { path: '/allow', resources: ['configmaps'], sideEffects: 'NoneOnDryRun' })]);
  await until(
    'the dry-run configuration',
    async () => {
      const out = await c.kubectl(['create', '-f', '-', '--dry-run=server', '-o', 'jsonpath={.metadata.labels.injected}'], { input: configMap('wh-dry', 'dry'), allowFail: true });
      return out.stdout === 'by-webhook';
    },
    { timeoutMs: 10_000, intervalMs: 100 },
  );
  const sent = hooks.received.filter((r) => r.body?.request?.namespace === 'wh-dry').at(-1)!.body.request;
  assert.equal(sent.dryRun, true);
  assert.deepEqual(sent.options.dryRun, ['All']);
  assert.notEqual((await c.kubectl(['get', 'cm', 'dry', '-n', 'wh-dry'], { allowFail: true })).code, 0, 'nothing stored');
  await c.kubectl(['delete', 'mutatingwebhookconfiguration', 'dry-run']);
});

test('kubectl shows and explains webhook configurations; invalid ones are refused with field paths', async () => {
  await configure('Validating', 'listed', [webhook('listed', 'nobody', {})]);
  assert.match((await c.kubectl(['get', 'validatingwebhookconfigurations'])).stdout, /^NAME\s+WEBHOOKS\s+AGE\nlisted\s+1\s+/m);
  assert.match((await c.kubectl(['explain', 'validatingwebhookconfiguration.webhooks.clientConfig'])).stdout, /caBundle/);
  const bad = { apiVersion: G, kind: 'ValidatingWebhookConfiguration', metadata: { name: 'bad' }, webhooks: [{ ...webhook('bad', 'x'), name: 'bad', timeoutSeconds: 60, sideEffects: undefined }] };
  const r = await c.kubectl(['create', '-f', '-'], { input: JSON.stringify(bad), allowFail: true });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /The ValidatingWebhookConfiguration "bad" is invalid/);
  assert.match(r.stderr, /webhooks\[0\]\.name: Invalid value: "bad": should be a domain with at least three segments separated by dots/);
  assert.match(r.stderr, /webhooks\[0\]\.timeoutSeconds: Invalid value: 60: the timeout value must be between 1 and 30 seconds/);
  assert.match(r.stderr, /webhooks\[0\]\.sideEffects: Required value/);
  await c.kubectl(['delete', 'validatingwebhookconfiguration', 'listed']);
});
