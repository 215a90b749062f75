import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinKinds } from '../../../api/kinds/index.js';
import { KindRegistry } from '../../../api/registry.js';
import { checkFieldReferences, matchedKinds, typeCheckPolicy } from './type-check.js';

const registry = new KindRegistry(builtinKinds);
const deployment = registry.byResource('apps', 'v1', 'deployments');
assert.ok(deployment);

const policy = (validations: unknown[], rules: unknown[] = [{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE'], resources: ['deployments'] }], extra: Record<string, unknown> = {}) => ({
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind: 'ValidatingAdmissionPolicy',
  metadata: { name: 'p' },
  spec: { matchConstraints: { resourceRules: rules }, validations, ...extra },
});

test("the documentation's example: object.replicas is reported as Kubernetes does", () => {
  assert.deepEqual(typeCheckPolicy(policy([{ expression: 'object.replicas > 1' }]), registry), [{ fieldRef: 'spec.validations[0].expression', warning: "apps/v1, Kind=Deployment: ERROR: <input>:1:7: undefined field 'replicas'\n | object.replicas > 1\n | ......^" }]);
  assert.deepEqual(typeCheckPolicy(policy([{ expression: 'object.spec.replicas > 1' }]), registry), []);
});

test('field references are followed through nesting, lists, maps, macros, has() and optional selections', () => {
  const errs = (e: string) => checkFieldReferences(e, deployment.schema).map((x) => x.split('\n')[0]);
  assert.deepEqual(errs('object.spec.template.spec.containers.all(c, c.image != "" && c.imagee != "")'), ["ERROR: <input>:1:63: undefined field 'imagee'"]);
  assert.deepEqual(errs("object.metadata.labels['app'] == 'x' && object.metadata.labels.app == 'x'"), [], 'map values are not checked');
  assert.deepEqual(errs('object.spec.template.spec.containers[0].namee == ""'), ["ERROR: <input>:1:40: undefined field 'namee'"]);
  assert.deepEqual(errs('has(object.spec.replica)'), ["ERROR: <input>:1:1: undefined field 'replica'"]);
  assert.deepEqual(errs('object.?spec.?replcas.orValue(1) > 0 && oldObject.statu == null'), ["ERROR: <input>:1:13: undefined field 'replcas'", "ERROR: <input>:1:50: undefined field 'statu'"]);
  assert.deepEqual(errs('[1].all(object, object.x == 1)'), [], 'a macro variable shadows object');
  assert.deepEqual(errs('request.foo.bar && params.x && variables.y'), [], 'other variables are not typed');
  assert.deepEqual(errs('object.spec.('), [], 'a syntax error is the validation’s to report');
  assert.deepEqual(errs('object.metadata.__namespace__ == ""'), [], 'escaped keywords');
});

test('every expression field is checked; wildcards, subresources and unknown resources are not', () => {
  const p = policy([{ expression: 'true', messageExpression: 'string(object.nope)' }], undefined, {
    matchConditions: [{ name: 'm', expression: 'object.nope2 == 1' }],
    variables: [{ name: 'v', expression: 'object.nope3' }],
    auditAnnotations: [{ key: 'k', valueExpression: 'object.nope4' }],
  });
  assert.deepEqual(
    typeCheckPolicy(p, registry).map((w) => w.fieldRef),
    ['spec.matchConditions[0].expression', 'spec.variables[0].expression', 'spec.validations[0].messageExpression', 'spec.auditAnnotations[0].valueExpression'],
  );
  const two = policy([{ expression: 'object.spec.replicas > 1' }], [{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['*'], resources: ['deployments', 'daemonsets'] }]);
  assert.deepEqual(typeCheckPolicy(two, registry), [{ fieldRef: 'spec.validations[0].expression', warning: "apps/v1, Kind=DaemonSet: ERROR: <input>:1:12: undefined field 'replicas'\n | object.spec.replicas > 1\n | ...........^" }]);
  for (const rules of [[{ apiGroups: ['*'], apiVersions: ['v1'], resources: ['deployments'] }], [{ apiGroups: ['apps'], apiVersions: ['v1'], resources: ['deployments/scale'] }], [{ apiGroups: ['x.io'], apiVersions: ['v1'], resources: ['nothings'] }], 'garbage']) {
    assert.deepEqual(matchedKinds(policy([], rules as never) as never, registry), []);
    assert.deepEqual(typeCheckPolicy(policy([{ expression: 'object.nope' }], rules as never) as never, registry), []);
  }
});
