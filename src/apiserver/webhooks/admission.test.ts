// The webhook admission plugins against a real HTTPS webhook server: mutating webhooks in order
// with reinvocation, validating webhooks in parallel, matchPolicy Equivalent across versions,
// dry-run refusal for webhooks with side effects, and bad patches.

import type { IncomingMessage } from 'node:http';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { patchOf, reviewResponse, startWebhookServer, type TestWebhookServer } from '../../../test/helpers/webhook-server.js';
import { configMap } from '../../api/kinds/cluster/configmap.js';
import { hpaV1, hpaV2 } from '../../api/kinds/autoscaling/hpa.js';
import type { KindDef, KObject } from '../../api/kind.js';
import { logger } from '../../util/log.js';
import type { AdmissionRequest, Operation } from '../admission/chain.js';
import type { RequestContext } from '../context.js';
import { auditAnnotationsFor } from '../audit/annotations.js';
import { mutatingWebhookPlugin, validatingWebhookPlugin, type WebhookAdmissionDeps } from './admission.js';
import { WebhookConfigCache } from './config-cache.js';

let server: TestWebhookServer;
before(async () => {
  server = await startWebhookServer(() => ({}));
});
after(() => server.close());

function deps(mutating: unknown[] = [], validating: unknown[] = []): WebhookAdmissionDeps {
  const m = new WebhookConfigCache();
  m.set([{ metadata: { name: 'm' }, webhooks: mutating } as KObject]);
  const v = new WebhookConfigCache();
  v.set([{ metadata: { name: 'v' }, webhooks: validating } as KObject]);
  return { mutating: m, validating: v, namespaceLabels: async () => ({}), versionsOf: (d) => (d.conversion ? [hpaV2, hpaV1] : [d]), log: logger('test') };
}

const hook = (name: string, path: string, o: Record<string, unknown> = {}) => ({
  name: `${name}.test.gifee.io`,
  clientConfig: { url: server.url(path), caBundle: server.caBundle },
  rules: [{ operations: ['*'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*'] }],
  sideEffects: 'None',
  admissionReviewVersions: ['v1'],
  timeoutSeconds: 5,
  ...o,
});

function request(def: KindDef, obj: KObject, o: { operation?: Operation; dryRun?: boolean } = {}): AdmissionRequest {
  const rc = { def, req: { method: 'POST' } as IncomingMessage, query: new URLSearchParams(), info: { namespace: 'default' }, user: { name: 'alice', groups: ['system:authenticated'] }, warnings: [] } as unknown as RequestContext;
  return { rc, operation: o.operation ?? 'CREATE', obj, subresource: '', dryRun: o.dryRun ?? false };
}
const cm = (): KObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default', labels: {} }, data: {} });

test('mutating webhooks run in order, each seeing the previous patch; IfNeeded ones run again after later changes', async () => {
  const calls: string[] = [];
  server.handler = (path, body) => {
    const labels = body.request.object.metadata.labels;
    calls.push(`${path.split('?')[0]}:${Object.keys(labels).sort().join(',')}`);
    if (path.startsWith('/first')) return reviewResponse(body, { allowed: true, ...patchOf([{ op: 'add', path: '/metadata/labels/first', value: 'x' }]) });
    if (path.startsWith('/second')) return reviewResponse(body, { allowed: true, ...patchOf([{ op: 'add', path: '/metadata/labels/second', value: 'y' }]) });
    return reviewResponse(body, { allowed: true });
  };
  const a = request(configMap, cm());
  await mutatingWebhookPlugin(deps([hook('first', '/first', { reinvocationPolicy: 'IfNeeded' }), hook('second', '/second'), hook('never', '/never', { reinvocationPolicy: 'Never' })])).mutate!(a);
  assert.deepEqual(a.obj?.metadata?.labels, { first: 'x', second: 'y' });
  assert.deepEqual(calls, ['/first:', '/second:first', '/never:first,second', '/first:first,second']);
  assert.ok(Object.keys(auditAnnotationsFor(a.rc.req) ?? {}).some((k) => k.startsWith('patch.webhook.admission.k8s.io/round_0_index_0')));
});

test('validating webhooks are called in parallel; the first refusal in order answers', async () => {
  server.handler = async (path, body) => {
    await new Promise((r) => setTimeout(r, 300));
    if (path.startsWith('/deny')) return reviewResponse(body, { allowed: false, status: { code: 422, reason: 'Invalid', message: `no from ${path.split('?')[0]}` } });
    return reviewResponse(body, { allowed: true });
  };
  const t0 = Date.now();
  await validatingWebhookPlugin(deps([], [hook('a', '/ok'), hook('b', '/ok'), hook('c', '/ok')])).validate!(request(configMap, cm()));
  assert.ok(Date.now() - t0 < 800, `three 300 ms webhooks took ${Date.now() - t0} ms`);
  await assert.rejects(
    async () => validatingWebhookPlugin(deps([], [hook('a', '/ok'), hook('d1', '/deny1'), hook('d2', '/deny2')])).validate!(request(configMap, cm())),
    (e: { code: number; message: string }) => e.code === 422 && e.message === 'admission webhook "d1.test.gifee.io" denied the request: no from /deny1',
  );
});

test('matchPolicy Equivalent sends another version of the kind, converted; Exact does not', async () => {
  let seen: any;
  server.handler = (_p, body) => {
    seen = body.request;
    return reviewResponse(body, { allowed: true });
  };
  const rules = [{ operations: ['CREATE'], apiGroups: ['autoscaling'], apiVersions: ['v2'], resources: ['horizontalpodautoscalers'] }];
  const hpa: KObject = { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'h', namespace: 'default' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'web', apiVersion: 'apps/v1' }, maxReplicas: 3, targetCPUUtilizationPercentage: 50 } } as KObject;
  await validatingWebhookPlugin(deps([], [hook('eq', '/eq', { rules })])).validate!(request(hpaV1, hpa));
  assert.deepEqual(seen.kind, { group: 'autoscaling', version: 'v2', kind: 'HorizontalPodAutoscaler' });
  assert.deepEqual(seen.requestKind, { group: 'autoscaling', version: 'v1', kind: 'HorizontalPodAutoscaler' });
  assert.equal(seen.object.apiVersion, 'autoscaling/v2');
  assert.ok(Array.isArray(seen.object.spec.metrics), 'converted to v2');
  seen = undefined;
  await validatingWebhookPlugin(deps([], [hook('ex', '/ex', { rules, matchPolicy: 'Exact' })])).validate!(request(hpaV1, hpa));
  assert.equal(seen, undefined);
});

test('dry run: webhooks with side effects refuse it; the others get dryRun true', async () => {
  server.handler = (_p, body) => reviewResponse(body, { allowed: true });
  await assert.rejects(
    async () => validatingWebhookPlugin(deps([], [hook('se', '/se', { sideEffects: 'Unknown' })])).validate!(request(configMap, cm(), { dryRun: true })),
    (e: { code: number; message: string }) => e.code === 400 && e.message === 'admission webhook "se.test.gifee.io" does not support dry run',
  );
  await validatingWebhookPlugin(deps([], [hook('se', '/se', { sideEffects: 'Some' })])).validate!(request(configMap, cm()));
  await validatingWebhookPlugin(deps([], [hook('none', '/none', { sideEffects: 'NoneOnDryRun' })])).validate!(request(configMap, cm(), { dryRun: true }));
  assert.equal(server.received.at(-1)?.body.request.dryRun, true);
});

test('a patch that cannot be applied refuses the request whatever the failure policy; DELETE sends oldObject', async () => {
  server.handler = (_p, body) => reviewResponse(body, { allowed: true, ...patchOf([{ op: 'remove', path: '/nothing/here' }]) });
  await assert.rejects(async () => mutatingWebhookPlugin(deps([hook('bad', '/bad', { failurePolicy: 'Ignore' })])).mutate!(request(configMap, cm())), /returned a patch that cannot be applied/);
  server.handler = (_p, body) => reviewResponse(body, { allowed: true, ...patchOf([{ op: 'replace', path: '/metadata/name', value: 'other' }]) });
  await assert.rejects(async () => mutatingWebhookPlugin(deps([hook('rename', '/rename')])).mutate!(request(configMap, cm())), /attempted to change metadata.name from "c" to "other"/);
  server.handler = (_p, body) => reviewResponse(body, { allowed: true });
  const del = request(configMap, undefined as unknown as KObject, { operation: 'DELETE' });
  del.obj = undefined;
  del.old = cm();
  await validatingWebhookPlugin(deps([], [hook('del', '/del')])).validate!(del);
  const sent = server.received.at(-1)?.body.request;
  assert.equal(sent.operation, 'DELETE');
  assert.equal(sent.object, null);
  assert.equal(sent.oldObject.metadata.name, 'c');
  assert.equal(sent.options.kind, 'DeleteOptions');
});

test('answers that are not AdmissionReviews: Ignore passes, Fail refuses with Kubernetes wording', async () => {
  server.handler = () => ({ kind: 'Nope' });
  await validatingWebhookPlugin(deps([], [hook('g', '/g', { failurePolicy: 'Ignore' })])).validate!(request(configMap, cm()));
  await assert.rejects(
    async () => validatingWebhookPlugin(deps([], [hook('g', '/g')])).validate!(request(configMap, cm())),
    (e: { code: number; message: string }) => e.code === 500 && /^Internal error occurred: failed calling webhook "g.test.gifee.io": received invalid webhook response: expected webhook response of admission.k8s.io\/v1, Kind=AdmissionReview/.test(e.message),
  );
});

test('a webhook that only accepts v1beta1 gets an AdmissionReview v1beta1, and may answer without uid or patchType', async () => {
  server.handler = () => ({ response: { allowed: true, patch: Buffer.from(JSON.stringify([{ op: 'add', path: '/data/old', value: 'api' }])).toString('base64') } });
  const a = request(configMap, cm());
  await mutatingWebhookPlugin(deps([hook('beta', '/beta', { admissionReviewVersions: ['v1beta1'] })])).mutate!(a);
  assert.equal(server.received.at(-1)?.body.apiVersion, 'admission.k8s.io/v1beta1');
  assert.deepEqual((a.obj as { data?: unknown }).data, { old: 'api' });
});
