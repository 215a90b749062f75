import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { FieldError, KObject } from '../../kind.js';
import { validateLocalSubjectAccessReview, validateSelfSubjectAccessReview, validateSubjectAccessReview } from './review-validation.js';

const fields = (errs: FieldError[]) => errs.map((e) => `${e.field}: ${e.message}`);
const sar = (spec: object, metadata: Record<string, unknown> = {}): KObject => ({ metadata, spec });

test('exactly one of resourceAttributes and nonResourceAttributes, with Kubernetes field paths', () => {
  assert.deepEqual(fields(validateSubjectAccessReview(sar({ user: 'u' }))), ['spec.resourceAttributes: Invalid value: null: exactly one of nonResourceAttributes or resourceAttributes must be specified']);
  const both = validateSelfSubjectAccessReview(sar({ resourceAttributes: { verb: 'get' }, nonResourceAttributes: { path: '/x' } }));
  assert.equal(both.length, 1);
  assert.equal(both[0].field, 'spec.nonResourceAttributes');
  assert.match(both[0].message, /cannot be specified in combination with resourceAttributes/);
  assert.deepEqual(validateSelfSubjectAccessReview(sar({ nonResourceAttributes: { path: '/healthz', verb: 'get' } })), []);
  // null is absent, as in Kubernetes' JSON decoding.
  assert.equal(validateSelfSubjectAccessReview(sar({ resourceAttributes: null, nonResourceAttributes: { path: '/x' } })).length, 0);
});

test('a SubjectAccessReview needs a user or a group; a self review does not', () => {
  const errs = validateSubjectAccessReview(sar({ resourceAttributes: { verb: 'get', resource: 'pods' } }));
  assert.deepEqual(fields(errs), ['spec.user: Invalid value: "": at least one of user or group must be specified']);
  assert.deepEqual(validateSubjectAccessReview(sar({ resourceAttributes: { verb: 'get' }, groups: ['dev'] })), []);
  assert.deepEqual(validateSelfSubjectAccessReview(sar({ resourceAttributes: { verb: 'get' } })), []);
});

test('metadata must be empty (managedFields and null values aside); a local review may only name its namespace', () => {
  assert.deepEqual(fields(validateSubjectAccessReview(sar({ user: 'u', resourceAttributes: {} }, { name: 'x' }))), ['metadata: Invalid value: {"name":"x"}: must be empty']);
  assert.deepEqual(validateSubjectAccessReview(sar({ user: 'u', resourceAttributes: {} }, { creationTimestamp: null, labels: {}, managedFields: [{ manager: 'k' }] })), []);
  assert.equal(validateSelfSubjectAccessReview(sar({ resourceAttributes: {} }, { namespace: 'a' }))[0].field, 'metadata');
  const local = (spec: object, metadata: Record<string, unknown>) => fields(validateLocalSubjectAccessReview(sar(spec, metadata)));
  assert.deepEqual(local({ user: 'u', resourceAttributes: { namespace: 'a' } }, { namespace: 'a' }), []);
  assert.deepEqual(local({ user: 'u', resourceAttributes: { namespace: 'a' } }, { namespace: 'a', name: 'n' }), ['metadata: Invalid value: {"namespace":"a","name":"n"}: must be empty except for namespace']);
  assert.deepEqual(local({ user: 'u', resourceAttributes: { namespace: 'b' } }, { namespace: 'a' }), ['spec.resourceAttributes.namespace: Invalid value: "b": must match metadata.namespace']);
  assert.deepEqual(local({ user: 'u', resourceAttributes: {} }, { namespace: 'a' }), ['spec.resourceAttributes.namespace: Invalid value: "": must match metadata.namespace']);
  assert.deepEqual(local({ user: 'u', nonResourceAttributes: { path: '/x' } }, { namespace: 'a' }), ['spec.nonResourceAttributes: Invalid value: {"path":"/x"}: disallowed on this kind of request']);
});

test('field and label selectors (1.31+) are accepted when well formed, unknown operators included', () => {
  const ra = (extra: object) => sar({ resourceAttributes: { verb: 'list', resource: 'pods', ...extra } });
  assert.deepEqual(validateSelfSubjectAccessReview(ra({ fieldSelector: { rawSelector: 'spec.nodeName=n1' }, labelSelector: { requirements: [{ key: 'app', operator: 'In', values: ['web'] }] } })), []);
  assert.deepEqual(validateSelfSubjectAccessReview(ra({ labelSelector: { requirements: [{ key: 'app', operator: 'Matches', values: ['x'] }] } })), []);
  const bad = fields(
    validateSelfSubjectAccessReview(
      ra({
        fieldSelector: { rawSelector: 'a=b', requirements: [{ key: '', operator: 'In' }] },
        labelSelector: { requirements: [{ key: 'bad key', operator: 'Exists', values: ['x'] }] },
      }),
    ),
  );
  assert.deepEqual(
    bad.map((b) => b.split(':')[0]),
    ['spec.resourceAttributes.fieldSelector.rawSelector', 'spec.resourceAttributes.fieldSelector.requirements[0].key', 'spec.resourceAttributes.fieldSelector.requirements[0].values', 'spec.resourceAttributes.labelSelector.requirements[0].key', 'spec.resourceAttributes.labelSelector.requirements[0].values'],
  );
  assert.deepEqual(fields(validateSelfSubjectAccessReview(ra({ labelSelector: {} }))), ['spec.resourceAttributes.labelSelector.requirements: Required value: when spec.resourceAttributes.labelSelector is specified, requirements or rawSelector is required']);
});

test('validation never throws, whatever the JSON (types are for the schema check to report)', () => {
  fc.assert(
    fc.property(fc.jsonValue(), fc.jsonValue(), fc.jsonValue(), (spec, ra, sel) => {
      const shaped = { resourceAttributes: ra, fieldSelector: sel, user: spec };
      for (const s of [spec, shaped, { resourceAttributes: { labelSelector: sel, fieldSelector: { requirements: [sel] } }, nonResourceAttributes: ra }]) {
        const o = { metadata: { namespace: 'a' }, spec: s } as KObject;
        validateSubjectAccessReview(o);
        validateSelfSubjectAccessReview(o);
        validateLocalSubjectAccessReview(o);
      }
    }),
    { numRuns: 300 },
  );
});
