// The conversion a CRD's KindDefs carry: strategy None rewrites apiVersion synchronously; Webhook
// converts in batches through the server's webhook client with the CRD's clientConfig, with the
// first ConversionReview version of conversionReviewVersions that gifee speaks (v1, v1beta1).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../kind.js';
import { crdKindDefs } from './kinddefs.js';
import type { Crd } from './types.js';

const crd = (conversion?: Record<string, unknown>): Crd =>
  ({
    metadata: { name: 'crontabs.stable.example.com' },
    spec: {
      group: 'stable.example.com',
      scope: 'Namespaced',
      names: { plural: 'crontabs', kind: 'CronTab' },
      versions: [
        { name: 'v1', served: true, storage: true },
        { name: 'v2', served: true, storage: false },
      ],
      ...(conversion ? { conversion } : {}),
    },
  }) as Crd;
const obj: KObject = { apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'a' } };

test('strategy None: synchronous, apiVersion rewritten', () => {
  const [v1] = crdKindDefs(crd(), crd().spec!.names!, { terminating: () => false });
  assert.equal(v1.conversion?.convertBatch, undefined);
  assert.equal(v1.conversion?.convert(obj, 'v2').apiVersion, 'stable.example.com/v2');
});

test('strategy Webhook: batches go to the webhook client with the clientConfig', async () => {
  const calls: unknown[][] = [];
  const clientConfig = { url: 'https://127.0.0.1:9443/convert' };
  const c = crd({ strategy: 'Webhook', webhook: { conversionReviewVersions: ['v1beta1', 'v1'], clientConfig } });
  const [v1] = crdKindDefs(c, c.spec!.names!, {
    terminating: () => false,
    convertViaWebhook: async (cc, objs, to, reviewVersion) => {
      calls.push([cc, objs, to, reviewVersion]);
      return objs.map((o) => ({ ...o, apiVersion: to }));
    },
  });
  const out = await v1.conversion!.convertBatch!([obj, obj], 'v2');
  assert.deepEqual(
    out.map((o) => o.apiVersion),
    ['stable.example.com/v2', 'stable.example.com/v2'],
  );
  assert.deepEqual(calls, [[clientConfig, [obj, obj], 'stable.example.com/v2', 'v1beta1']], 'the first listed version gifee speaks');
  assert.equal(v1.conversion!.convert(obj, 'v1'), obj, 'the same version needs no call');
  assert.throws(() => v1.conversion!.convert(obj, 'v2'), /conversion webhook for stable.example.com, Kind=CronTab failed/);
});

test('strategy Webhook listing no version gifee speaks: a 500 naming why, no call', async () => {
  const c = crd({ strategy: 'Webhook', webhook: { conversionReviewVersions: ['v2alpha9'], clientConfig: { url: 'https://127.0.0.1:9443/' } } });
  const [v1] = crdKindDefs(c, c.spec!.names!, { terminating: () => false, convertViaWebhook: () => assert.fail('called') });
  await assert.rejects(
    () => v1.conversion!.convertBatch!([obj], 'v2'),
    (e: { code?: number; message: string }) => e.code === 500 && /does not accept known ConversionReview versions \(v1, v1beta1\)/.test(e.message),
  );
});
