// CEL optional types with real kubectl, as Kubernetes' CEL environment has them: a CRD whose
// x-kubernetes-validations use `x.?f`, `m[?k]`, orValue and an optionalOldSelf transition rule
// (oldSelf is optional.none() on create), and a ValidatingAdmissionPolicy whose validation and
// messageExpression read labels that may be absent through `.?` without erroring.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { until } from '../helpers/wait.js';

let cluster: Cluster;

before(async () => {
  cluster = await startCluster();
});

after(async () => {
  await cluster?.stop();
});

const tryApply = (yaml: string) => cluster.kubectl(['apply', '-f', '-'], { input: yaml, allowFail: true });

const CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.opt.example.com}
spec:
  group: opt.example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              mode: {type: string}
              tier: {type: string}
              labels: {type: object, additionalProperties: {type: string}}
            x-kubernetes-validations:
            - rule: "self.?labels[?'team'].orValue('') != '' || self.?mode.orValue('auto') == 'auto'"
              message: "a team label is required unless mode is auto"
            - rule: "!oldSelf.hasValue() || oldSelf.value().?tier == self.?tier"
              message: "tier is immutable"
              optionalOldSelf: true
`;

const widget = (name: string, spec: string) => `apiVersion: opt.example.com/v1
kind: Widget
metadata: {name: ${name}, namespace: default}
spec: ${spec}
`;

test('a CRD rule with optional selections and an optionalOldSelf transition rule', async () => {
  await cluster.kubectl(['apply', '-f', '-'], { input: CRD });
  await cluster.kubectl(['wait', '--for', 'condition=established', '--timeout=20s', 'crd/widgets.opt.example.com']);
  let created = await tryApply(widget('w1', '{tier: gold}'));
  await until('the Widget kind to be served', async () => (created = await tryApply(widget('w1', '{tier: gold}'))).code === 0, { timeoutMs: 20_000, context: () => created.stderr });
  const bad = await tryApply(widget('w2', '{mode: manual}'));
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /The Widget "w2" is invalid: spec: Invalid value: "object": a team label is required unless mode is auto/);
  assert.equal((await tryApply(widget('w2', '{mode: manual, labels: {team: a}}'))).code, 0);
  // On update oldSelf has a value: the tier may not change.
  const changed = await tryApply(widget('w1', '{tier: silver}'));
  assert.notEqual(changed.code, 0);
  assert.match(changed.stderr, /spec: Invalid value: "object": tier is immutable/);
  assert.equal((await tryApply(widget('w1', '{tier: gold, mode: auto}'))).code, 0);
});

test('a ValidatingAdmissionPolicy reads possibly-absent labels through .? and orValue', async () => {
  await cluster.kubectl(['apply', '-f', '-'], {
    input: `apiVersion: v1
kind: Namespace
metadata: {name: opt-ns, labels: {opt-policy: "on"}}
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: team-label.example.com}
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
    - {apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["configmaps"]}
  validations:
  - expression: "object.metadata.?labels[?'team'].hasValue()"
    messageExpression: "'configmap ' + object.metadata.name + ' has no team label (owner: ' + object.metadata.?annotations[?'owner'].orValue('unknown') + ')'"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: team-label-binding.example.com}
spec:
  policyName: team-label.example.com
  validationActions: [Deny]
  matchResources:
    namespaceSelector: {matchLabels: {opt-policy: "on"}}
`,
  });
  const cm = (name: string, meta: string) => `apiVersion: v1
kind: ConfigMap
metadata: {name: ${name}, namespace: opt-ns${meta}}
`;
  let denied = await tryApply(cm('nolabels', ''));
  await until('the policy to deny', async () => (denied = await tryApply(cm('nolabels', ''))).code !== 0, { timeoutMs: 10_000, context: () => denied.stdout });
  assert.match(denied.stderr, /ValidatingAdmissionPolicy 'team-label.example.com' with binding 'team-label-binding.example.com' denied request: configmap nolabels has no team label \(owner: unknown\)/);
  const other = await tryApply(cm('otherlabel', ', labels: {a: b}, annotations: {owner: me}'));
  assert.match(other.stderr, /configmap otherlabel has no team label \(owner: me\)/);
  assert.equal((await tryApply(cm('labelled', ', labels: {team: x}'))).code, 0);
});
