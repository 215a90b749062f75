import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { applyJsonPatch } from '../patch/json-patch.js';
import { refusal } from './admission.js';
import { compileWebhook } from './matching.js';
import { reviewVersionFor, verifyAdmissionResponse } from './review.js';

const uid = 'u-1';
const v1 = (response: unknown) => ({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response });
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64');

test('review versions: the first gifee speaks', () => {
  assert.equal(reviewVersionFor(['v2', 'v1beta1', 'v1']), 'v1beta1');
  assert.equal(reviewVersionFor(['v3']), undefined);
});

test('answers checked as Kubernetes checks them', () => {
  const bad = (body: unknown, re: RegExp, mutating = false, version: 'v1' | 'v1beta1' = 'v1') => assert.throws(() => verifyAdmissionResponse(uid, version, mutating, body), re);
  bad('garbage', /not a JSON object/);
  bad(null, /not a JSON object/);
  bad({ apiVersion: 'v1', kind: 'Status' }, /expected webhook response of admission.k8s.io\/v1, Kind=AdmissionReview/);
  bad(v1(undefined), /response was absent/);
  bad(v1({ uid: 'other', allowed: true }), /expected response.uid="u-1", got "other"/);
  bad(v1({ uid, allowed: 'yes' }), /allowed must be a boolean/);
  bad(v1({ uid, allowed: true, patch: b64([]) }), /validating webhook may not return response.patch/);
  bad(v1({ uid, allowed: true, patch: b64([]) }), /response.patch but not response.patchType/, true);
  bad(v1({ uid, allowed: true, patch: b64([]), patchType: 'Merge' }), /invalid response.patchType of "Merge"/, true);
  bad(v1({ uid, allowed: true, patch: b64({ op: 'add' }), patchType: 'JSONPatch' }), /not a JSON patch/, true);
  bad(v1({ uid, allowed: true, patch: '!!!notbase64', patchType: 'JSONPatch' }), /not a base64 JSON patch/, true);
  bad(v1({ uid, allowed: true, patch: 'A'.repeat(5 * 1024 * 1024), patchType: 'JSONPatch' }), /larger than/, true);
  // v1beta1: no uid or apiVersion check, patchType defaults to JSONPatch.
  const r = verifyAdmissionResponse(uid, 'v1beta1', true, { response: { allowed: true, patch: b64([{ op: 'add', path: '/x', value: 1 }]) } });
  assert.deepEqual(r.patch, [{ op: 'add', path: '/x', value: 1 }]);
});

test('warnings, audit annotations and status are taken, bounded', () => {
  const r = verifyAdmissionResponse(uid, 'v1', false, v1({ uid, allowed: false, warnings: ['w1', 7, 'x'.repeat(5000)], auditAnnotations: { k: 'v', n: 1 }, status: { code: 403, reason: 'Forbidden', message: 'no' } }));
  assert.equal(r.allowed, false);
  assert.deepEqual(
    r.warnings.map((w) => w.length),
    [2, 1024],
  );
  assert.deepEqual(r.auditAnnotations, { k: 'v' });
  assert.deepEqual(r.status, { code: 403, reason: 'Forbidden', message: 'no' });
});

test('refusals worded as Kubernetes words them', () => {
  const hook = compileWebhook('cfg', { name: 'deny.example.com' });
  const e1 = refusal(hook, { code: 403, reason: 'Forbidden', message: 'pods with label deny are refused' });
  assert.equal(e1.code, 403);
  assert.equal(e1.message, 'admission webhook "deny.example.com" denied the request: pods with label deny are refused');
  const e2 = refusal(hook, undefined);
  assert.equal(e2.code, 400);
  assert.equal(e2.message, 'admission webhook "deny.example.com" denied the request without explanation');
  assert.equal(refusal(hook, { code: 200, reason: 'NoWay' }).message, 'admission webhook "deny.example.com" denied the request: NoWay');
  assert.equal(refusal(hook, { code: 200 }).code, 400, 'never a success code with a refusal');
});

test('patches as webhooks send them apply, bounded', () => {
  const pod = { metadata: { name: 'p', labels: { a: '1' } }, spec: { containers: [{ name: 'c', image: 'x' }] } };
  const r = verifyAdmissionResponse(uid, 'v1', true, v1({ uid, allowed: true, patchType: 'JSONPatch', patch: b64([{ op: 'add', path: '/metadata/labels/injected', value: 'yes' }]) }));
  const out = applyJsonPatch(pod, r.patch) as typeof pod;
  assert.deepEqual(out.metadata.labels, { a: '1', injected: 'yes' });
  assert.deepEqual(pod.metadata.labels, { a: '1' }, 'the original is untouched');
  const many = Array.from({ length: 10_001 }, () => ({ op: 'test', path: '/metadata/name', value: 'p' }));
  assert.throws(() => applyJsonPatch(pod, many));
  assert.throws(() => applyJsonPatch(pod, [{ op: 'remove', path: '/nope' }]));
});

test('any answer at all: checked or refused with an Error, never a crash', () => {
  const answer = fc.oneof(
    fc.jsonValue(),
    fc.record({
      apiVersion: fc.constantFrom('admission.k8s.io/v1', 'x'),
      kind: fc.constantFrom('AdmissionReview', 'y'),
      response: fc.oneof(fc.jsonValue(), fc.record({ uid: fc.constantFrom(uid, 'z'), allowed: fc.jsonValue(), patch: fc.oneof(fc.string(), fc.jsonValue().map(b64)), patchType: fc.jsonValue(), status: fc.jsonValue(), warnings: fc.jsonValue(), auditAnnotations: fc.jsonValue() }, { requiredKeys: [] })),
    }),
  );
  fc.assert(
    fc.property(answer, fc.boolean(), fc.constantFrom('v1', 'v1beta1') as fc.Arbitrary<'v1' | 'v1beta1'>, (body, mutating, version) => {
      try {
        const r = verifyAdmissionResponse(uid, version, mutating, body);
        assert.equal(typeof r.allowed, 'boolean');
        if (r.patch !== undefined) assert.ok(Array.isArray(r.patch));
      } catch (e) {
        assert.ok(e instanceof Error && e.message.length > 0);
      }
    }),
    { numRuns: 500 },
  );
});
