// Conversions that call out (KindConversion.convertBatch, a CRD's conversion webhook): batched,
// order kept, objects already at the version left alone, failures as 500 Status errors, watch
// events converted once per version; kinds converting synchronously keep the synchronous path.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KindConversion, KindDef, KObject } from '../../api/kind.js';
import { ApiError } from '../../api/errors.js';
import { hpaV1 } from '../../api/kinds/autoscaling/hpa.js';
import { eventsAs, otherVersionsOf, prefetchOtherVersions, versionViewOf } from './versions.js';
import type { HubEvent } from './watch-hub.js';
import { KindRegistry } from '../../api/registry.js';

/** A webhook-like conversion: v1 spec.cron <-> v2 spec.schedule, counting round trips. */
function fakeKind(fail?: () => Error | undefined) {
  const calls: { objs: KObject[]; to: string }[] = [];
  const conversion: KindConversion = {
    storageVersion: 'v1',
    convert: () => {
      throw new Error('synchronous convert must not be used');
    },
    async convertBatch(objs, to) {
      calls.push({ objs, to });
      const err = fail?.();
      if (err) throw err;
      return objs.map((o) => {
        const spec = (o.spec ?? {}) as Record<string, unknown>;
        return to === 'v2' ? { ...o, apiVersion: 'example.com/v2', spec: { schedule: spec.cron } } : { ...o, apiVersion: 'example.com/v1', spec: { cron: spec.schedule } };
      });
    },
  };
  const base = { group: 'example.com', kind: 'CronTab', plural: 'crontabs', namespaced: true, schema: { type: 'object' as const, properties: {} }, conversion } as unknown as KindDef;
  return { v1: { ...base, version: 'v1' } as KindDef, v2: { ...base, version: 'v2' } as KindDef, calls };
}

const at1 = (name: string, cron: string): KObject => ({ apiVersion: 'example.com/v1', kind: 'CronTab', metadata: { name }, spec: { cron } });

test('a synchronous conversion keeps its synchronous view', async () => {
  const v = versionViewOf(hpaV1)!;
  assert.equal(v.async, false);
  const [o] = await v.fromStorageAll([{ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'x' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'x' }, maxReplicas: 2 } }]);
  assert.equal(o.apiVersion, 'autoscaling/v1');
});

test('a list page is converted in one batch, in order; objects already at the version are not sent', async () => {
  const k = fakeKind();
  const v2 = versionViewOf(k.v2)!;
  assert.equal(v2.async, true);
  const already: KObject = { apiVersion: 'example.com/v2', kind: 'CronTab', metadata: { name: 'b' }, spec: { schedule: 'b' } };
  const out = await v2.fromStorageAll([at1('a', 'a'), already, at1('c', 'c')]);
  assert.deepEqual(
    out.map((o) => [o.metadata?.name, o.apiVersion, (o.spec as { schedule: string }).schedule]),
    [
      ['a', 'example.com/v2', 'a'],
      ['b', 'example.com/v2', 'b'],
      ['c', 'example.com/v2', 'c'],
    ],
  );
  assert.equal(out[1], already);
  assert.equal(k.calls.length, 1);
  assert.equal(k.calls[0].objs.length, 2);
  assert.equal(k.calls[0].to, 'v2');
  // Nothing to convert: no call at all.
  assert.deepEqual(await v2.fromStorageAll([already]), [already]);
  assert.equal(k.calls.length, 1);
  // Writes go to the storage version.
  const stored = await v2.toStorageAsync(already);
  assert.deepEqual(stored.spec, { cron: 'b' });
  assert.equal(stored.apiVersion, 'example.com/v1');
  assert.equal(await versionViewOf(k.v1)!.toStorageAsync(stored), stored, 'the storage version is written as is');
});

test('a failing conversion is a 500 Status with the webhook message, never a raw exception', async () => {
  const k = fakeKind(() => new Error('conversion webhook for example.com/v1, Kind=CronTab failed: connection refused'));
  const v2 = versionViewOf(k.v2)!;
  await assert.rejects(
    () => v2.fromStorageAll([at1('a', 'a')]),
    (e: unknown) => e instanceof ApiError && e.code === 500 && e.reason === 'InternalError' && e.message === 'Internal error occurred: conversion webhook for example.com/v1, Kind=CronTab failed: connection refused',
  );
  await assert.rejects(
    () => v2.toStorageAsync({ apiVersion: 'example.com/v2', kind: 'CronTab', metadata: { name: 'a' } }),
    (e: unknown) => e instanceof ApiError && e.code === 500,
  );
});

test('watch events: one batch per delivery, converted once per version for every watcher', async () => {
  const k = fakeKind();
  const v2 = versionViewOf(k.v2)!;
  const events: HubEvent[] = [
    { type: 'ADDED', key: 'a', revision: 2, object: at1('a', '1') },
    { type: 'MODIFIED', key: 'a', revision: 3, object: at1('a', '2'), old: at1('a', '1') },
  ];
  const [p, q] = await Promise.all([eventsAs(v2, events), eventsAs(v2, events)]);
  assert.equal(k.calls.length, 1, 'one ConversionReview for both watchers');
  assert.equal(k.calls[0].objs.length, 3);
  assert.deepEqual(p[1].object.spec, { schedule: '2' });
  assert.deepEqual(p[1].old?.spec, { schedule: '1' });
  assert.equal(q[1].object, p[1].object);
  // A failed batch rejects every watcher waiting on it.
  let down = true;
  const flaky = fakeKind(() => (down ? new Error('down') : undefined));
  const ev: HubEvent[] = [{ type: 'ADDED', key: 'x', revision: 4, object: at1('x', 'x') }];
  await assert.rejects(
    () => eventsAs(versionViewOf(flaky.v2)!, ev),
    (e: unknown) => e instanceof ApiError && e.code === 500,
  );
  // The failure is not cached: once the webhook is back the same event converts.
  down = false;
  assert.deepEqual((await eventsAs(versionViewOf(flaky.v2)!, ev))[0].object.spec, { schedule: 'x' });
});

test('field ownership across versions skips conversions that wait', () => {
  const k = fakeKind();
  const reg = new KindRegistry();
  reg.add(k.v1);
  reg.add(k.v2);
  const others = otherVersionsOf(reg, k.v1)!;
  assert.equal(others('example.com/v2'), undefined);
});

test('prefetchOtherVersions: the objects a first pass asks for are converted in one batch per version, then served synchronously', async () => {
  const k = fakeKind();
  const reg = new KindRegistry();
  reg.add(k.v1);
  reg.add(k.v2);
  const old = at1('a', '1 * * * *');
  const updated = at1('a', '2 * * * *');
  // The ownership computation stand-in: converts both objects to v2, synchronously.
  const run = (others: NonNullable<Awaited<ReturnType<typeof prefetchOtherVersions>>>) => {
    const o = others('example.com/v2');
    return o && [o.convert(old), o.convert(updated)];
  };
  const others = (await prefetchOtherVersions(reg, k.v1, run))!;
  assert.equal(k.calls.length, 1);
  assert.equal(k.calls[0].objs.length, 2);
  assert.deepEqual(
    run(others)?.map((o) => o?.spec),
    [{ schedule: '1 * * * *' }, { schedule: '2 * * * *' }],
  );
  // An object the first pass did not ask for is not guessed at: no conversion.
  assert.equal(others('example.com/v2')!.convert(at1('b', 'x')), undefined);
  // Nothing asked for at a waiting version: no call out.
  await prefetchOtherVersions(reg, k.v1, () => undefined);
  assert.equal(k.calls.length, 1);
  // A failing webhook fails the write.
  const bad = fakeKind(() => new Error('boom'));
  const reg2 = new KindRegistry();
  reg2.add(bad.v1);
  reg2.add(bad.v2);
  await assert.rejects(prefetchOtherVersions(reg2, bad.v1, run), /boom/);
});
