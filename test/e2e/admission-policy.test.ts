// ValidatingAdmissionPolicy with real kubectl, after the Kubernetes documentation's examples: the
// demo-policy.example.com "replicas <= 5" policy bound to namespaces labelled environment=test; a
// policy whose limit comes from a ConfigMap parameter (paramKind, paramRef, messageExpression,
// parameterNotFoundAction) and the documentation's custom ReplicaLimit parameter kind (a CRD); Warn
// (a kubectl warning) and Audit (the audit event's annotation) actions; the authorizer variable;
// policies that do not compile refused with 422; a hostile expression stopped by the cost limit
// without stalling the server; static type checking of field references (status.typeChecking).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { until } from '../helpers/wait.js';

let dir: string;
let cluster: Cluster;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gifee-vap-'));
  await writeFile(join(dir, 'policy.yaml'), 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n');
  cluster = await startCluster({ extraArgs: ['--audit-policy-file', join(dir, 'policy.yaml'), '--audit-log-path', join(dir, 'audit.log')] });
});

after(async () => {
  await cluster?.stop();
  await rm(dir, { recursive: true, force: true });
});

const apply = (yaml: string) => cluster.kubectl(['apply', '-f', '-'], { input: yaml });
const tryApply = (yaml: string) => cluster.kubectl(['apply', '-f', '-'], { input: yaml, allowFail: true });

const deployment = (name: string, ns: string, replicas: number) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${ns}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec: {containers: [{name: c, image: registry.example/app:1}]}
`;

/** Applies until the answer matches (a new policy takes effect when its watch event arrives). */
async function eventually(yaml: string, pred: (r: { code: number; stdout: string; stderr: string }) => boolean, what: string) {
  let last = { code: 0, stdout: '', stderr: '' };
  await until(what, async () => pred((last = await tryApply(yaml))), { timeoutMs: 10_000, context: () => JSON.stringify(last) });
  return last;
}

test('the documentation example: demo-policy.example.com limits replicas in environment=test namespaces', async () => {
  await apply(`apiVersion: v1
kind: Namespace
metadata: {name: vap-test, labels: {environment: test}}
---
apiVersion: v1
kind: Namespace
metadata: {name: vap-prod, labels: {environment: prod}}
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: "demo-policy.example.com"
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
    - apiGroups:   ["apps"]
      apiVersions: ["v1"]
      operations:  ["CREATE", "UPDATE"]
      resources:   ["deployments"]
  validations:
    - expression: "object.spec.replicas <= 5"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: "demo-binding-test.example.com"
spec:
  policyName: "demo-policy.example.com"
  validationActions: [Deny]
  matchResources:
    namespaceSelector:
      matchLabels:
        environment: test
`);
  const denied = await eventually(deployment('big', 'vap-test', 6), (r) => r.code !== 0, 'the policy to deny');
  assert.match(denied.stderr, /The deployments "big" is invalid: : ValidatingAdmissionPolicy 'demo-policy.example.com' with binding 'demo-binding-test.example.com' denied request: failed expression: object.spec.replicas <= 5/);
  // Within the limit, and outside the selected namespaces: allowed.
  await apply(deployment('small', 'vap-test', 5));
  await apply(deployment('big', 'vap-prod', 6));
  // An update past the limit is refused too. (kubectl scale goes through deployments/scale, which
  // the rule's "deployments" does not name: as in Kubernetes, it is not checked.)
  const patched = await cluster.kubectl(['patch', 'deployment/small', '-n', 'vap-test', '-p', '{"spec":{"replicas":7}}'], { allowFail: true });
  assert.notEqual(patched.code, 0);
  assert.match(patched.stderr, /denied request: failed expression: object.spec.replicas <= 5/);
  // kubectl get shows the policy's columns.
  const got = (await cluster.kubectl(['get', 'validatingadmissionpolicies'])).stdout;
  assert.match(got, /^NAME\s+VALIDATIONS\s+PARAMKIND\s+AGE/);
  assert.match(got, /demo-policy\.example\.com\s+1\s+<unset>/);
  // The server records the generation in force (Kubernetes' type checker writes the same status).
  await until('the policy status', async () => (await cluster.kubectl(['get', 'validatingadmissionpolicy', 'demo-policy.example.com', '-o', 'jsonpath={.status.observedGeneration}'])).stdout === '1', { timeoutMs: 10_000 });
  const b = (await cluster.kubectl(['get', 'validatingadmissionpolicybindings'])).stdout;
  assert.match(b, /demo-binding-test\.example\.com\s+demo-policy\.example\.com\s+<unset>/);
});

test('a ConfigMap parameter sets the limit; messageExpression builds the message; a missing parameter denies', async () => {
  await apply(`apiVersion: v1
kind: Namespace
metadata: {name: vap-params, labels: {limits: params}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: replica-limit, namespace: default}
data: {maxReplicas: "3"}
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: replicalimit-policy.example.com}
spec:
  failurePolicy: Fail
  paramKind: {apiVersion: v1, kind: ConfigMap}
  matchConstraints:
    resourceRules:
    - apiGroups: ["apps"]
      apiVersions: ["v1"]
      operations: ["CREATE", "UPDATE"]
      resources: ["deployments"]
  variables:
  - name: limit
    expression: "int(params.data.maxReplicas)"
  validations:
  - expression: "object.spec.replicas <= variables.limit"
    messageExpression: "'object.spec.replicas must be no greater than ' + string(variables.limit)"
    reason: Forbidden
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: replicalimit-binding.example.com}
spec:
  policyName: replicalimit-policy.example.com
  validationActions: [Deny]
  paramRef: {name: replica-limit, namespace: default, parameterNotFoundAction: Deny}
  matchResources:
    namespaceSelector:
      matchLabels: {limits: params}
`);
  const denied = await eventually(deployment('four', 'vap-params', 4), (r) => r.code !== 0, 'the parameterised policy to deny');
  assert.match(denied.stderr, /denied request: object.spec.replicas must be no greater than 3/);
  assert.match(denied.stderr, /Error from server \(Forbidden\): error when creating "STDIN": deployments.apps "four" is forbidden: ValidatingAdmissionPolicy 'replicalimit-policy.example.com' with binding 'replicalimit-binding.example.com' denied request/);
  await apply(deployment('three', 'vap-params', 3));
  // The parameter changes: the new limit applies.
  await cluster.kubectl(['patch', 'configmap', 'replica-limit', '-p', '{"data":{"maxReplicas":"4"}}']);
  await apply(deployment('four', 'vap-params', 4));
  // No parameter: parameterNotFoundAction Deny.
  await cluster.kubectl(['delete', 'configmap', 'replica-limit']);
  const missing = await tryApply(deployment('one', 'vap-params', 1));
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /no params found for policy binding with `Deny` parameterNotFoundAction/);
});

test('Warn and Audit actions: a kubectl warning and an audit annotation, the request admitted', async () => {
  await apply(`apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: configmap-naming.example.com}
spec:
  matchConstraints:
    resourceRules:
    - apiGroups: [""]
      apiVersions: ["v1"]
      operations: ["CREATE"]
      resources: ["configmaps"]
  matchConditions:
  - name: only-labelled
    expression: "has(object.metadata.labels) && 'check-naming' in object.metadata.labels"
  validations:
  - expression: "object.metadata.name.startsWith('cm-')"
    messageExpression: "'configmap ' + object.metadata.name + ' should start with cm-'"
  auditAnnotations:
  - key: keys
    valueExpression: "string(size(object.data))"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: configmap-naming-binding.example.com}
spec:
  policyName: configmap-naming.example.com
  validationActions: [Warn, Audit]
`);
  const cm = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}, labels: {check-naming: "yes"}}\ndata: {a: "1", b: "2"}\n`;
  // Each try creates a new ConfigMap until the policy is in force and warns.
  let i = 0;
  let name = '';
  let warned = { stderr: '' };
  await until(
    'the Warn action',
    async () => {
      name = `warned-${i++}`;
      warned = await apply(cm(name));
      return /Warning/.test(warned.stderr);
    },
    { timeoutMs: 10_000 },
  );
  assert.match(warned.stderr, new RegExp(`Warning: Validation failed for ValidatingAdmissionPolicy 'configmap-naming.example.com' with binding 'configmap-naming-binding.example.com': configmap ${name} should start with cm-`));
  // Unlabelled: the match condition is false, no warning.
  const quiet = await apply('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: unlabelled}\n');
  assert.doesNotMatch(quiet.stderr, /Warning/);
  let event: any;
  await until(
    'the audit event with the validation failure',
    async () => {
      const lines = (await readFile(join(dir, 'audit.log'), 'utf8'))
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l));
      event = lines.find((e) => e.verb === 'create' && e.stage === 'ResponseComplete' && e.annotations?.['validation.policy.admission.k8s.io/validation_failure']?.includes(`configmap ${name} `));
      return !!event;
    },
    {
      timeoutMs: 10_000,
      context: async () =>
        (await readFile(join(dir, 'audit.log'), 'utf8'))
          .split('\n')
          .filter((l) => l.includes(name))
          .join('\n'),
    },
  );
  const failures = JSON.parse(event.annotations['validation.policy.admission.k8s.io/validation_failure']);
  assert.deepEqual(failures, [{ message: `configmap ${name} should start with cm-`, policy: 'configmap-naming.example.com', binding: 'configmap-naming-binding.example.com', expressionIndex: 0, validationActions: ['Warn', 'Audit'] }]);
  assert.equal(event.annotations['configmap-naming.example.com/keys'], '2');
});

test('policies whose expressions do not compile are refused with 422 and the CEL error', async () => {
  const bad = await tryApply(`apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: broken.example.com}
spec:
  matchConstraints:
    resourceRules: [{apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE"], resources: ["pods"]}]
  validations:
  - expression: "object.spec.containers.all(c, c.image.endsWith(':latest') == false"
  - expression: "undefinedThing.size() > 0"
  - expression: "object.x == 1"
    reason: Teapot
`);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /The ValidatingAdmissionPolicy "broken.example.com" is invalid/);
  assert.match(bad.stderr, /spec.validations\[0\].expression: Invalid value: .*compilation failed: ERROR: <input>:1:\d+/);
  assert.match(bad.stderr, /spec.validations\[1\].expression: Invalid value: .*undeclared reference to 'undefinedThing'/);
  assert.match(bad.stderr, /spec.validations\[2\].reason: Unsupported value: "Teapot"/);
  const noRules = await tryApply(`apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: broken-binding.example.com}
spec:
  policyName: x
  validationActions: [Deny, Warn]
`);
  assert.match(noRules.stderr, /must not contain both Deny and Warn/);
});

test('a hostile expression over a big object is stopped by the cost limit; the server stays responsive', async () => {
  await apply(`apiVersion: v1
kind: Namespace
metadata: {name: vap-hostile, labels: {hostile: "true"}}
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: hostile.example.com}
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules: [{apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE"], resources: ["configmaps"]}]
  validations:
  - expression: "object.data.all(a, object.data.all(b, object.data.all(c, object.data.all(d, a + b + c + d != ''))))"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: hostile-binding.example.com}
spec:
  policyName: hostile.example.com
  validationActions: [Deny]
  matchResources:
    namespaceSelector: {matchLabels: {hostile: "true"}}
`);
  const data = Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`k${i}`, 'v']));
  const cm = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'big', namespace: 'vap-hostile' }, data });
  const started = Date.now();
  const r = await eventually(cm, (x) => x.code !== 0, 'the hostile policy to be in force');
  assert.match(r.stderr, /cost limit exceeded|cost budget/);
  // 400^4 iterations would take hours; the limit ends it in about a second.
  assert.ok(Date.now() - started < 15_000);
  const t = Date.now();
  await cluster.kubectl(['get', 'namespaces']);
  assert.ok(Date.now() - t < 5000, 'the server answers other requests');
});

test('the authorizer variable: a policy asks RBAC what the requesting user may do', async () => {
  await apply(`apiVersion: v1
kind: Namespace
metadata: {name: vap-authz}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: configmap-writer, namespace: vap-authz}
rules:
- apiGroups: [""]
  resources: ["configmaps"]
  verbs: ["get", "list", "create", "update", "patch"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: alice-writes-configmaps, namespace: vap-authz}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: configmap-writer}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: alice}
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: sensitive-configmaps.example.com}
spec:
  matchConstraints:
    resourceRules: [{apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["configmaps"]}]
  matchConditions:
  - name: sensitive
    expression: "has(object.metadata.labels) && object.metadata.labels['sensitive'] == 'true'"
  validations:
  - expression: "authorizer.group('').resource('secrets').namespace(request.namespace).check('get').allowed()"
    messageExpression: "request.userInfo.username + ' may not read secrets, so may not write sensitive configmaps'"
    reason: Forbidden
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: sensitive-configmaps-binding.example.com}
spec:
  policyName: sensitive-configmaps.example.com
  validationActions: [Deny]
`);
  const cm = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}, namespace: vap-authz, labels: {sensitive: "true"}}\n`;
  let last = { code: 0, stdout: '', stderr: '' };
  let i = 0;
  await until(
    'alice to be refused',
    async () => {
      last = await cluster.kubectl(['create', '-f', '-', '--as=alice'], { input: cm(`alice-${i++}`), allowFail: true });
      return last.code !== 0;
    },
    { timeoutMs: 10_000 },
  );
  assert.match(last.stderr, /alice may not read secrets, so may not write sensitive configmaps/);
  // The admin may read secrets: admitted.
  await cluster.kubectl(['create', '-f', '-'], { input: cm('by-admin') });
  // alice's ordinary configmaps are not the policy's concern.
  await cluster.kubectl(['create', 'configmap', 'plain', '-n', 'vap-authz', '--as=alice']);
});

test('the documentation example with a custom parameter kind: ReplicaLimit (rules.example.com/v1)', async () => {
  await apply(`apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: replicalimits.rules.example.com}
spec:
  group: rules.example.com
  scope: Namespaced
  names: {plural: replicalimits, singular: replicalimit, kind: ReplicaLimit}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          maxReplicas: {type: integer}
`);
  await until('ReplicaLimit to be served', async () => (await cluster.kubectl(['get', 'replicalimits', '-A'], { allowFail: true })).code === 0, { timeoutMs: 15_000 });
  await apply(`apiVersion: v1
kind: Namespace
metadata: {name: vap-crd-params, labels: {limits: crd}}
---
apiVersion: rules.example.com/v1
kind: ReplicaLimit
metadata: {name: replica-limit-test.example.com, namespace: default}
maxReplicas: 3
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: replicalimit-crd-policy.example.com}
spec:
  failurePolicy: Fail
  paramKind: {apiVersion: rules.example.com/v1, kind: ReplicaLimit}
  matchConstraints:
    resourceRules:
    - apiGroups: ["apps"]
      apiVersions: ["v1"]
      operations: ["CREATE", "UPDATE"]
      resources: ["deployments"]
  validations:
  - expression: "object.spec.replicas <= params.maxReplicas"
    reason: Invalid
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: replicalimit-binding-test.example.com}
spec:
  policyName: replicalimit-crd-policy.example.com
  validationActions: [Deny]
  paramRef: {name: replica-limit-test.example.com, namespace: default, parameterNotFoundAction: Deny}
  matchResources:
    namespaceSelector:
      matchLabels: {limits: crd}
`);
  const denied = await eventually(deployment('four', 'vap-crd-params', 4), (r) => r.code !== 0, 'the ReplicaLimit policy to deny');
  assert.match(denied.stderr, /ValidatingAdmissionPolicy 'replicalimit-crd-policy.example.com' with binding 'replicalimit-binding-test.example.com' denied request: failed expression: object.spec.replicas <= params.maxReplicas/);
  await apply(deployment('three', 'vap-crd-params', 3));
});

test('CONNECT: a policy on pods/exec sees PodExecOptions and refuses an exec', async () => {
  await apply(`apiVersion: v1
kind: Namespace
metadata: {name: vap-connect}
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: no-shell-exec.example.com}
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
    - {apiGroups: [""], apiVersions: [v1], operations: [CONNECT], resources: [pods/exec]}
  validations:
  - expression: "request.kind.kind == 'PodExecOptions' && !(has(object.command) && object.command.exists(c, c == 'sh'))"
    message: no shells through exec
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: no-shell-exec-binding}
spec:
  policyName: no-shell-exec.example.com
  validationActions: [Deny]
  matchResources:
    namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: vap-connect}}
`);
  await cluster.kubectl(['run', 'target', '-n', 'vap-connect', '--image=registry.example/app:1']);
  const exec = (...command: string[]) => cluster.kubectl(['exec', '-n', 'vap-connect', 'target', '--', ...command], { allowFail: true });
  let last = { stderr: '' };
  await until('the policy refuses a shell', async () => /no shells through exec/.test((last = await exec('sh', '-c', 'id')).stderr), { timeoutMs: 10_000, context: () => last.stderr });
  assert.match(last.stderr, /ValidatingAdmissionPolicy 'no-shell-exec\.example\.com' with binding 'no-shell-exec-binding' denied request: no shells through exec/);
  const other = await exec('ls');
  assert.notEqual(other.code, 0, 'no node runs the pod');
  assert.doesNotMatch(other.stderr, /denied request/);
});

test('*/scale: a policy sees the autoscaling/v1 Scale of kubectl scale', async () => {
  await apply(`apiVersion: v1
kind: Namespace
metadata: {name: vap-scale}
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: scale-limit.example.com}
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
    - {apiGroups: [apps], apiVersions: [v1], operations: [UPDATE], resources: [deployments/scale]}
  validations:
  - expression: "request.kind.kind == 'Scale' && object.kind == 'Scale' && object.spec.replicas <= 5"
    message: scale to at most 5
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: scale-limit-binding}
spec:
  policyName: scale-limit.example.com
  validationActions: [Deny]
  matchResources:
    namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: vap-scale}}
`);
  await apply(deployment('web', 'vap-scale', 1));
  const scale = (n: number) => cluster.kubectl(['scale', 'deployment', 'web', '-n', 'vap-scale', `--replicas=${n}`], { allowFail: true });
  let last = { stderr: '' };
  await until('the policy refuses 9', async () => /scale to at most 5/.test((last = await scale(9)).stderr), { timeoutMs: 10_000, context: () => last.stderr });
  assert.equal((await scale(4)).code, 0);
});

test('matchPolicy Equivalent: a policy written for autoscaling/v2 sees an autoscaling/v1 request converted to v2', async () => {
  await apply(`apiVersion: v1
kind: Namespace
metadata: {name: vap-equivalent}
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: cpu-target.example.com}
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
    - {apiGroups: [autoscaling], apiVersions: [v2], operations: [CREATE, UPDATE], resources: [horizontalpodautoscalers]}
  validations:
  - expression: "request.kind.version == 'v2' && object.spec.metrics.all(m, m.resource.target.averageUtilization <= 80)"
    messageExpression: "'utilization targets above 80 are not allowed (seen as ' + request.kind.version + ', asked as ' + request.requestKind.version + ')'"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: cpu-target-binding}
spec:
  policyName: cpu-target.example.com
  validationActions: [Deny]
  matchResources:
    namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: vap-equivalent}}
`);
  const hpa = (name: string, target: number) => `apiVersion: autoscaling/v1
kind: HorizontalPodAutoscaler
metadata: {name: ${name}, namespace: vap-equivalent}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  maxReplicas: 3
  targetCPUUtilizationPercentage: ${target}
`;
  const refused = await eventually(hpa('too-high', 90), (r) => r.code !== 0, 'the v2 policy refuses a v1 HPA');
  assert.match(refused.stderr, /utilization targets above 80 are not allowed \(seen as v2, asked as v1\)/);
  assert.equal((await tryApply(hpa('fine', 70))).code, 0);
});

test("type checking: the documentation's deploy-replica-policy reports object.replicas in status.typeChecking", async () => {
  await apply(`apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: "deploy-replica-policy.example.com"
spec:
  matchConstraints:
    resourceRules:
    - apiGroups:   ["apps"]
      apiVersions: ["v1"]
      operations:  ["CREATE", "UPDATE"]
      resources:   ["deployments"]
  validations:
  - expression: "object.replicas > 1" # should be "object.spec.replicas > 1"
    message: "must be replicated"
    reason: Invalid
`);
  let status: { observedGeneration?: number; typeChecking?: { expressionWarnings?: { fieldRef: string; warning: string }[] } } = {};
  await until(
    'the type-checked status',
    async () => {
      status = JSON.parse((await cluster.kubectl(['get', 'validatingadmissionpolicy', 'deploy-replica-policy.example.com', '-o', 'json'])).stdout).status ?? {};
      return status.observedGeneration === 1;
    },
    { timeoutMs: 10_000 },
  );
  assert.deepEqual(status.typeChecking?.expressionWarnings, [{ fieldRef: 'spec.validations[0].expression', warning: "apps/v1, Kind=Deployment: ERROR: <input>:1:7: undefined field 'replicas'\n | object.replicas > 1\n | ......^" }]);
  // Fixed, the next generation has no warnings.
  await cluster.kubectl(['patch', 'validatingadmissionpolicy', 'deploy-replica-policy.example.com', '--type', 'json', '-p', '[{"op":"replace","path":"/spec/validations/0/expression","value":"object.spec.replicas > 1"}]']);
  await until(
    'the second generation checked',
    async () => {
      status = JSON.parse((await cluster.kubectl(['get', 'validatingadmissionpolicy', 'deploy-replica-policy.example.com', '-o', 'json'])).stdout).status ?? {};
      return status.observedGeneration === 2;
    },
    { timeoutMs: 10_000 },
  );
  assert.deepEqual(status.typeChecking, {});
});
