import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { KObject } from '../../kind.js';
import { flowcontrolConversion, flowcontrolKinds } from './index.js';
import { defaultPriorityLevel, PRESERVE_ZERO_ANNOTATION, validateFlowSchema, validatePriorityLevel } from './validation.js';

const fields = (errs: { field: string }[]) => errs.map((e) => e.field).sort();

test('both versions of both kinds share storage v1', () => {
  assert.deepEqual(
    flowcontrolKinds.map((k) => `${k.version}/${k.plural}`),
    ['v1/flowschemas', 'v1/prioritylevelconfigurations', 'v1beta3/flowschemas', 'v1beta3/prioritylevelconfigurations'],
  );
  for (const k of flowcontrolKinds) assert.equal(k.conversion?.storageVersion, 'v1');
});

test('v1 <-> v1beta3: a deliberate zero nominalConcurrencyShares keeps Kubernetes’ preserve-zero annotation', () => {
  const v1: KObject = { apiVersion: 'flowcontrol.apiserver.k8s.io/v1', kind: 'PriorityLevelConfiguration', metadata: { name: 'p' }, spec: { type: 'Limited', limited: { nominalConcurrencyShares: 0, limitResponse: { type: 'Reject' } } } };
  const beta = flowcontrolConversion.convert(v1, 'v1beta3');
  assert.equal(beta.apiVersion, 'flowcontrol.apiserver.k8s.io/v1beta3');
  assert.equal(beta.metadata?.annotations?.[PRESERVE_ZERO_ANNOTATION], 'true');
  const back = flowcontrolConversion.convert(beta, 'v1');
  assert.deepEqual(back, v1);
  // v1beta3 without the annotation: zero means the default.
  const fresh: KObject = { metadata: { name: 'p' }, spec: { type: 'Limited', limited: { nominalConcurrencyShares: 0, limitResponse: { type: 'Queue', queuing: {} } } } };
  defaultPriorityLevel(fresh, true);
  assert.deepEqual((fresh.spec as any).limited, { nominalConcurrencyShares: 30, lendablePercent: 0, limitResponse: { type: 'Queue', queuing: { queues: 64, handSize: 8, queueLengthLimit: 50 } } });
});

test('FlowSchema validation', () => {
  const bad: KObject = {
    metadata: { name: 'x' },
    spec: {
      priorityLevelConfiguration: { name: '' },
      matchingPrecedence: 1,
      distinguisherMethod: { type: 'ByPod' },
      rules: [
        { subjects: [{ kind: 'ServiceAccount', serviceAccount: { name: 'a' }, user: { name: 'u' } }], resourceRules: [{ verbs: ['get', '*'], apiGroups: [''], resources: ['pods'] }] },
        { subjects: [{ kind: 'Robot' }], nonResourceRules: [{ verbs: ['get'], nonResourceURLs: ['healthz', '/a/*/b'] }] },
        { subjects: [{ kind: 'Group', group: { name: 'g' } }] },
      ],
    },
  };
  assert.deepEqual(fields(validateFlowSchema(bad)), [
    'spec.distinguisherMethod.type',
    'spec.matchingPrecedence',
    'spec.priorityLevelConfiguration.name',
    'spec.rules[0].resourceRules[0].namespaces',
    'spec.rules[0].resourceRules[0].verbs',
    'spec.rules[0].subjects[0].serviceAccount.namespace',
    'spec.rules[0].subjects[0].user',
    'spec.rules[1].nonResourceRules[0].nonResourceURLs[0]',
    'spec.rules[1].nonResourceRules[0].nonResourceURLs[1]',
    'spec.rules[1].subjects[0].kind',
    'spec.rules[2]',
  ]);
});

test('PriorityLevelConfiguration validation', () => {
  const pl = (name: string, spec: Record<string, unknown>): KObject => ({ metadata: { name }, spec });
  assert.deepEqual(fields(validatePriorityLevel(pl('exempt', { type: 'Limited', limited: { limitResponse: { type: 'Reject' } } }))), ['spec.type']);
  assert.deepEqual(fields(validatePriorityLevel(pl('x', { type: 'Limited' }))), ['spec.limited']);
  assert.deepEqual(fields(validatePriorityLevel(pl('x', { type: 'Limited', limited: { lendablePercent: 101, limitResponse: { type: 'Queue', queuing: { queues: 4, handSize: 5, queueLengthLimit: 0 } } } }))), [
    'spec.limited.lendablePercent',
    'spec.limited.limitResponse.queuing.handSize',
    'spec.limited.limitResponse.queuing.queueLengthLimit',
  ]);
  assert.deepEqual(fields(validatePriorityLevel(pl('x', { type: 'Limited', limited: { limitResponse: { type: 'Reject', queuing: { queues: 1 } } } }))), ['spec.limited.limitResponse.queuing']);
  assert.deepEqual(validatePriorityLevel(pl('exempt', { type: 'Exempt', exempt: { nominalConcurrencyShares: 0, lendablePercent: 0 } })), []);
});

test('hostile bodies: defaulting, validation, conversion and printing never throw', () => {
  const leaf = fc.oneof(fc.string({ maxLength: 4 }), fc.integer({ min: -5, max: 20000 }), fc.constant(null), fc.boolean(), fc.constantFrom('*', 'Limited', 'Exempt', 'Queue', 'Reject', 'User', 'Group', 'ServiceAccount', 'ByUser', '/x/*'));
  const value = fc.letrec((tie) => ({
    v: fc.oneof(
      { depthSize: 'small' },
      leaf,
      fc.array(tie('v'), { maxLength: 3 }),
      fc.dictionary(
        fc.constantFrom(
          'type',
          'limited',
          'exempt',
          'limitResponse',
          'queuing',
          'queues',
          'handSize',
          'queueLengthLimit',
          'nominalConcurrencyShares',
          'lendablePercent',
          'rules',
          'subjects',
          'kind',
          'user',
          'group',
          'serviceAccount',
          'name',
          'namespace',
          'resourceRules',
          'nonResourceRules',
          'verbs',
          'apiGroups',
          'resources',
          'namespaces',
          'nonResourceURLs',
          'priorityLevelConfiguration',
          'matchingPrecedence',
          'distinguisherMethod',
        ),
        tie('v'),
        { maxKeys: 5 },
      ),
    ),
  })).v;
  fc.assert(
    fc.property(fc.constantFrom(...flowcontrolKinds), fc.constantFrom('exempt', 'x'), value, (def, name, spec) => {
      const o: KObject = { apiVersion: `flowcontrol.apiserver.k8s.io/${def.version}`, kind: def.kind, metadata: { name }, spec };
      def.default!(o);
      def.validate!(o);
      for (const c of def.printerColumns!) c.cell?.(o);
      flowcontrolConversion.convert(o, def.version === 'v1' ? 'v1beta3' : 'v1');
    }),
    { numRuns: 500 },
  );
});
