// A CRD converted by a webhook, with the real kubectl against a real gifee server: a conversion
// webhook over HTTPS on 127.0.0.1 (url clientConfig, caBundle of a test CA) renames v1
// spec.cronSpec to v2 spec.schedule. Created at v1, the object gets, lists and watches at v2 in
// the converted shape; applied at v2 it is stored at v1; server-side apply from both versions
// compares ownership at each manager's version (through the webhook); with the webhook down, kubectl shows
// Kubernetes' "conversion webhook for ... failed" error.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { kubectlBinary, startCluster, type Cluster } from '../helpers/cluster.js';
import { startWebhookServer, type TestWebhookServer } from '../helpers/webhook-server.js';
import { until } from '../helpers/wait.js';

let c: Cluster;
let hook: TestWebhookServer;
const k = (args: string[], o?: { input?: string; allowFail?: boolean }) => c.kubectl(args, o);

function convert(o: any, to: string) {
  const { cronSpec, schedule, ...rest } = o.spec ?? {};
  return { ...o, apiVersion: to, spec: to.endsWith('/v2') ? { ...rest, schedule: cronSpec ?? schedule } : { ...rest, cronSpec: schedule ?? cronSpec } };
}
const converter = (_p: string, body: any) => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'ConversionReview',
  response: { uid: body.request.uid, result: { status: 'Success' }, convertedObjects: body.request.objects.map((o: any) => convert(o, body.request.desiredAPIVersion)) },
});
const schema = (field: string) => ({ openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { [field]: { type: 'string' }, image: { type: 'string' } } } } } });

before(async () => {
  hook = await startWebhookServer(converter);
  c = await startCluster({ backend: 'sqlite' });
});
after(async () => {
  await c?.stop();
  await hook?.close();
});

test('kubectl reads, lists, watches and writes a webhook-converted CRD at its other version', async () => {
  const crd = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'crontabs.stable.example.com' },
    spec: {
      group: 'stable.example.com',
      scope: 'Namespaced',
      names: { plural: 'crontabs', singular: 'crontab', kind: 'CronTab', shortNames: ['ct'] },
      versions: [
        { name: 'v1', served: true, storage: true, schema: schema('cronSpec') },
        { name: 'v2', served: true, storage: false, schema: schema('schedule') },
      ],
      conversion: { strategy: 'Webhook', webhook: { conversionReviewVersions: ['v1'], clientConfig: { url: hook.url('/convert'), caBundle: hook.caBundle } } },
    },
  };
  await k(['apply', '-f', '-'], { input: JSON.stringify(crd) });
  await k(['wait', '--for', 'condition=established', '--timeout=20s', 'crd/crontabs.stable.example.com']);
  await k(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'tick', namespace: 'default' }, spec: { cronSpec: '* * * * */5', image: 'tick:1' } }) });

  // get and list at v2: the converted shape.
  const got = JSON.parse((await k(['get', 'crontabs.v2.stable.example.com', 'tick', '-o', 'json'])).stdout);
  assert.equal(got.apiVersion, 'stable.example.com/v2');
  assert.deepEqual(got.spec, { schedule: '* * * * */5', image: 'tick:1' });
  const list = JSON.parse((await k(['get', 'crontabs.v2.stable.example.com', '-o', 'json'])).stdout);
  assert.deepEqual(
    list.items.map((o: any) => [o.apiVersion, o.spec.schedule]),
    [['stable.example.com/v2', '* * * * */5']],
  );
  assert.ok(hook.received.some((r) => r.body?.request?.desiredAPIVersion === 'stable.example.com/v2'));

  // watch at v2: a change made at v1 arrives converted.
  const watch = spawn(kubectlBinary, ['--kubeconfig', c.kubeconfig, 'get', 'crontabs.v2.stable.example.com', '--watch-only', '-o', 'json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  watch.stdout.on('data', (d: Buffer) => (out += d.toString()));
  try {
    await new Promise((r) => setTimeout(r, 500));
    await k(['patch', 'crontabs.v1.stable.example.com', 'tick', '--type', 'merge', '-p', '{"spec":{"cronSpec":"0 * * * *"}}']);
    await until('the watch event', async () => out.includes('"schedule": "0 * * * *"'), { timeoutMs: 10_000, context: () => out });
    assert.ok(!out.includes('"cronSpec": '), out);
  } finally {
    watch.kill();
  }

  // A write at v2 is stored at v1.
  await k(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'stable.example.com/v2', kind: 'CronTab', metadata: { name: 'tock', namespace: 'default' }, spec: { schedule: '30 * * * *', image: 'tock:1' } }) });
  const asV1 = JSON.parse((await k(['get', 'crontabs.v1.stable.example.com', 'tock', '-o', 'json'])).stdout);
  assert.equal(asV1.apiVersion, 'stable.example.com/v1');
  assert.deepEqual(asV1.spec, { cronSpec: '30 * * * *', image: 'tock:1' });
});

test("server-side apply from two versions: field ownership is compared at each manager's version through the webhook", async () => {
  const ct = (v: string, spec: unknown) => JSON.stringify({ apiVersion: `stable.example.com/${v}`, kind: 'CronTab', metadata: { name: 'owned', namespace: 'default' }, spec });
  await k(['apply', '--server-side', '--field-manager=at-v1', '-f', '-'], { input: ct('v1', { cronSpec: '1 * * * *', image: 'one:1' }) });
  // v2's spec.schedule is v1's spec.cronSpec: another value conflicts with the v1 manager.
  const before = hook.received.length;
  const conflict = await k(['apply', '--server-side', '--field-manager=at-v2', '-f', '-'], { input: ct('v2', { schedule: '2 * * * *' }), allowFail: true });
  assert.notEqual(conflict.code, 0);
  assert.match(conflict.stderr, /Apply failed with 1 conflict: conflict with "at-v1" using stable.example.com\/v1: \.spec\.cronSpec/);
  assert.ok(hook.received.length > before, 'the ownership check converted through the webhook');
  // The same value is shared, not a conflict; forced, the v2 manager takes the field from the v1 one.
  await k(['apply', '--server-side', '--field-manager=at-v2', '-f', '-'], { input: ct('v2', { schedule: '1 * * * *' }) });
  await k(['apply', '--server-side', '--force-conflicts', '--field-manager=at-v2', '-f', '-'], { input: ct('v2', { schedule: '3 * * * *' }) });
  const obj = JSON.parse((await k(['get', 'crontabs.v1.stable.example.com', 'owned', '-o', 'json', '--show-managed-fields'])).stdout);
  assert.equal(obj.spec.cronSpec, '3 * * * *');
  const fields = (m: string) => obj.metadata.managedFields.find((e: { manager: string }) => e.manager === m);
  assert.equal(fields('at-v1').apiVersion, 'stable.example.com/v1');
  assert.deepEqual(fields('at-v1').fieldsV1, { 'f:spec': { 'f:image': {} } });
  assert.equal(fields('at-v2').apiVersion, 'stable.example.com/v2');
  assert.deepEqual(fields('at-v2').fieldsV1, { 'f:spec': { 'f:schedule': {} } });
});

test("with the conversion webhook down, kubectl shows Kubernetes' error at the other version; v1 still works", async () => {
  await hook.close();
  const r = await k(['get', 'crontabs.v2.stable.example.com', 'tick'], { allowFail: true });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /Internal error occurred: conversion webhook for stable.example.com\/v1, Kind=CronTab failed: Post "https:\/\/127.0.0.1:\d+\/convert\?timeout=30s": .*connect ECONNREFUSED/);
  const v1 = JSON.parse((await k(['get', 'crontabs.v1.stable.example.com', 'tick', '-o', 'json'])).stdout);
  assert.equal(v1.spec.cronSpec, '0 * * * *');
});
