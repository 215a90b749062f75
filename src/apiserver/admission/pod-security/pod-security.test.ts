import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describe, evaluate, policyOf, type LevelVersion } from './policy.js';
import { GIFEE_DEFAULTS, parsePodSecurityConfig, PRIVILEGED_DEFAULTS } from './config.js';
import { podSecurityPlugin } from './plugin.js';
import { podSecurityAuditAnnotations } from './audit-annotations.js';
import type { AdmissionRequest } from '../chain.js';
import type { RequestContext } from '../../context.js';
import { ApiError } from '../../../api/errors.js';

const baseline: LevelVersion = { level: 'baseline', version: 'latest' };
const restricted: LevelVersion = { level: 'restricted', version: 'latest' };
const c = (name: string, securityContext?: object, extra: object = {}) => ({ name, image: 'x', ...(securityContext ? { securityContext } : {}), ...extra });
const good = { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } };

// [name, level, metadata, spec, expected "reason (detail), ..." or '' when allowed]
const cases: [string, LevelVersion, object, object, string][] = [
  ['plain pod is baseline', baseline, {}, { containers: [c('a')] }, ''],
  ['hostProcess', baseline, {}, { securityContext: { windowsOptions: { hostProcess: true } }, containers: [c('a', { windowsOptions: { hostProcess: true } })] }, 'hostProcess (pod and container "a" must not set securityContext.windowsOptions.hostProcess=true)'],
  ['host namespaces', baseline, {}, { hostNetwork: true, hostPID: true, hostIPC: false, containers: [c('a')] }, 'host namespaces (hostNetwork=true, hostPID=true)'],
  ['privileged', baseline, {}, { containers: [c('a', { privileged: true }), c('b', { privileged: true })], initContainers: [c('i', { privileged: false })] }, 'privileged (containers "a", "b" must not set securityContext.privileged=true)'],
  ['baseline capabilities', baseline, {}, { containers: [c('a', { capabilities: { add: ['NET_ADMIN', 'CHOWN', 'SYS_TIME'] } })] }, 'non-default capabilities (container "a" must not include "NET_ADMIN", "SYS_TIME" in securityContext.capabilities.add)'],
  ['allowed baseline capabilities', baseline, {}, { containers: [c('a', { capabilities: { add: ['NET_BIND_SERVICE', 'KILL'] } })] }, ''],
  [
    'hostPath',
    baseline,
    {},
    {
      volumes: [
        { name: 'h', hostPath: { path: '/' } },
        { name: 'e', emptyDir: {} },
      ],
      containers: [c('a')],
    },
    'hostPath volumes (volume "h")',
  ],
  [
    'host ports',
    baseline,
    {},
    {
      containers: [
        c('a', undefined, {
          ports: [
            { containerPort: 80, hostPort: 8080 },
            { containerPort: 81, hostPort: 80 },
          ],
        }),
        c('b', undefined, { ports: [{ containerPort: 80 }] }),
      ],
    },
    'hostPort (container "a" uses hostPorts 80, 8080)',
  ],
  [
    'AppArmor annotation and field',
    baseline,
    { annotations: { 'container.apparmor.security.beta.kubernetes.io/a': 'unconfined', 'container.apparmor.security.beta.kubernetes.io/b': 'runtime/default' } },
    { containers: [c('a'), c('b', { appArmorProfile: { type: 'Unconfined' } })] },
    'forbidden AppArmor profiles (container.apparmor.security.beta.kubernetes.io/a="unconfined", container "b" must not set AppArmor profile type to "Unconfined")',
  ],
  ['AppArmor field before 1.30 is not checked', { level: 'baseline', version: 'v1.29' }, {}, { containers: [c('b', { appArmorProfile: { type: 'Unconfined' } })] }, ''],
  ['SELinux', baseline, {}, { securityContext: { seLinuxOptions: { type: 'spc_t' } }, containers: [c('a', { seLinuxOptions: { user: 'root', type: 'container_t' } })] }, 'seLinuxOptions (pod and container "a" set forbidden securityContext.seLinuxOptions: type "spc_t"; user may not be set)'],
  ['SELinux container_engine_t only from 1.31', { level: 'baseline', version: 'v1.30' }, {}, { containers: [c('a', { seLinuxOptions: { type: 'container_engine_t' } })] }, 'seLinuxOptions (container "a" set forbidden securityContext.seLinuxOptions: type "container_engine_t")'],
  ['procMount', baseline, {}, { containers: [c('a', { procMount: 'Unmasked' }), c('b', { procMount: 'Default' })] }, 'procMount (container "a" must not set securityContext.procMount to "Unmasked")'],
  ['seccomp baseline', baseline, {}, { securityContext: { seccompProfile: { type: 'Unconfined' } }, containers: [c('a')] }, 'seccompProfile (pod must not set securityContext.seccompProfile.type to "Unconfined")'],
  [
    'sysctls',
    baseline,
    {},
    {
      securityContext: {
        sysctls: [
          { name: 'kernel.shm_rmid_forced', value: '1' },
          { name: 'kernel.msgmax', value: '1' },
          { name: 'net.ipv4.tcp_rmem', value: '1' },
        ],
      },
      containers: [c('a')],
    },
    'forbidden sysctls (kernel.msgmax)',
  ],
  ['sysctls by version', { level: 'baseline', version: 'v1.26' }, {}, { securityContext: { sysctls: [{ name: 'net.ipv4.ip_local_reserved_ports' }] }, containers: [c('a')] }, 'forbidden sysctls (net.ipv4.ip_local_reserved_ports)'],
  [
    'restricted: a compliant pod',
    restricted,
    {},
    {
      volumes: [
        { name: 'cm', configMap: { name: 'x' } },
        { name: 'p', projected: { sources: [] } },
      ],
      containers: [c('a', { ...good, capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } })],
    },
    '',
  ],
  ['restricted: pod-level settings count', restricted, {}, { securityContext: { runAsNonRoot: true, seccompProfile: { type: 'Localhost', localhostProfile: 'p' } }, containers: [c('a', { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } })] }, ''],
  [
    'restricted: the default pod',
    restricted,
    {},
    { containers: [c('c')] },
    'allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
  ],
  ['restricted capabilities replace baseline', restricted, {}, { containers: [c('a', { ...good, capabilities: { drop: ['ALL'], add: ['SYS_ADMIN'] } })] }, 'unrestricted capabilities (container "a" must not include "SYS_ADMIN" in securityContext.capabilities.add)'],
  [
    'restricted volumes replace hostPath',
    restricted,
    {},
    {
      volumes: [
        { name: 'h', hostPath: { path: '/' } },
        { name: 'n', nfs: { server: 's', path: '/' } },
      ],
      containers: [c('a', good)],
    },
    'restricted volume types (volumes "h", "n" use restricted volume types "hostPath", "nfs")',
  ],
  [
    'runAsNonRoot=false and runAsUser=0',
    restricted,
    {},
    { securityContext: { runAsNonRoot: false, runAsUser: 0 }, containers: [c('a', { ...good, runAsNonRoot: undefined, runAsUser: 0 })] },
    'runAsNonRoot != true (pod must not set securityContext.runAsNonRoot=false), runAsUser=0 (pod and container "a" must not set runAsUser=0)',
  ],
  ['seccomp restricted explicit', restricted, {}, { containers: [c('a', { ...good, seccompProfile: { type: 'Unconfined' } })] }, 'seccompProfile (container "a" must not set securityContext.seccompProfile.type to "Unconfined")'],
  ['windows pods skip Linux-only restricted checks (1.25+)', restricted, {}, { os: { name: 'windows' }, securityContext: { runAsNonRoot: true }, containers: [c('a')] }, ''],
  ['baseline findings are listed first at restricted', restricted, {}, { hostNetwork: true, containers: [c('a', { ...good, privileged: true })] }, 'host namespaces (hostNetwork=true), privileged (container "a" must not set securityContext.privileged=true)'],
  ['privileged allows everything', { level: 'privileged', version: 'latest' }, {}, { hostNetwork: true, containers: [c('a', { privileged: true })] }, ''],
  ['hostile input: wrong types everywhere', restricted, { annotations: 'x' }, { containers: 'x', volumes: [null, 1], securityContext: [] }, 'restricted volume types (volumes "", "" use restricted volume type "unknown")'],
];

for (const [name, lv, meta, spec, expected] of cases) {
  test(`checks: ${name}`, () => assert.equal(describe(evaluate(lv, meta, spec)), expected));
}

test('namespace labels over defaults; invalid values are reported and fail closed', () => {
  const { policy, problems } = policyOf({ 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/warn-version': 'v1.28' }, GIFEE_DEFAULTS.defaults);
  assert.deepEqual(policy.enforce, { level: 'restricted', version: 'latest' });
  assert.deepEqual(policy.warn, { level: 'restricted', version: 'v1.28' });
  assert.deepEqual(problems, []);
  const bad = policyOf({ 'pod-security.kubernetes.io/enforce': 'strict', 'pod-security.kubernetes.io/audit-version': '1.28' }, PRIVILEGED_DEFAULTS.defaults);
  assert.equal(bad.policy.enforce.level, 'restricted');
  assert.deepEqual(
    bad.problems.map((p) => p.field),
    ['metadata.labels[pod-security.kubernetes.io/enforce]', 'metadata.labels[pod-security.kubernetes.io/audit-version]'],
  );
  // Versions newer than gifee knows evaluate as latest.
  assert.equal(policyOf({ 'pod-security.kubernetes.io/enforce-version': 'v1.99' }, PRIVILEGED_DEFAULTS.defaults).problems.length, 0);
});

test('PodSecurityConfiguration: bare or inside an AdmissionConfiguration; errors name the field', () => {
  const bare = parsePodSecurityConfig('apiVersion: pod-security.admission.config.k8s.io/v1\nkind: PodSecurityConfiguration\ndefaults: {enforce: restricted, warn-version: v1.30}\nexemptions: {namespaces: [ops], usernames: [admin]}\n');
  assert.deepEqual(bare.defaults.enforce, { level: 'restricted', version: 'latest' });
  assert.deepEqual(bare.defaults.warn, { level: 'privileged', version: 'v1.30' });
  assert.deepEqual(bare.exemptions, { namespaces: ['ops'], usernames: ['admin'], runtimeClasses: [] });
  const wrapped = parsePodSecurityConfig('apiVersion: apiserver.config.k8s.io/v1\nkind: AdmissionConfiguration\nplugins:\n- name: PodSecurity\n  configuration:\n    apiVersion: pod-security.admission.config.k8s.io/v1beta1\n    kind: PodSecurityConfiguration\n    defaults: {audit: baseline}\n');
  assert.equal(wrapped.defaults.audit.level, 'baseline');
  assert.throws(() => parsePodSecurityConfig('apiVersion: pod-security.admission.config.k8s.io/v1\nkind: PodSecurityConfiguration\ndefaults: {enforce: strict}\n'), /defaults\.enforce: must be one of/);
  assert.throws(() => parsePodSecurityConfig('apiVersion: pod-security.admission.config.k8s.io/v1\nkind: PodSecurityConfiguration\nexemptions: {namespaces: [1]}\n'), /exemptions\.namespaces/);
  assert.throws(() => parsePodSecurityConfig('kind: AdmissionConfiguration\nplugins: []\n'), /no entry named PodSecurity/);
});

// The plugin against a fake request context: namespaces and pods from maps.
function fakeRc(resource: { group: string; plural: string }, namespace: string | undefined, nsLabels: Record<string, Record<string, string>>, pods: object[] = [], user = 'alice') {
  const objects = (def: { plural: string }) => ({
    get: async (_ns: string | undefined, name: string) => (def.plural === 'namespaces' && nsLabels[name] ? { obj: { metadata: { name, labels: nsLabels[name] } }, revision: 1 } : null),
    list: async () => ({ items: pods, revision: 1 }),
  });
  const api = { registry: { byResource: (_g: string, _v: string, plural: string) => ({ plural }) }, objects };
  return { api, def: resource, info: { namespace }, user: { name: user, groups: [] }, warnings: [] as string[] } as unknown as RequestContext;
}
const req = (rc: RequestContext, operation: 'CREATE' | 'UPDATE', obj: any, old?: any, subresource = ''): AdmissionRequest => ({ rc, operation, obj, old, subresource, dryRun: false });
const pod = (name: string, spec: object): any => ({ metadata: { name, namespace: 'ns' }, spec });

test('plugin: enforce refuses with Kubernetes wording; warn adds a warning; exemptions and status updates pass', async () => {
  const plugin = podSecurityPlugin(GIFEE_DEFAULTS);
  const rc = fakeRc({ group: '', plural: 'pods' }, 'ns', { ns: { 'pod-security.kubernetes.io/enforce': 'restricted' } });
  const bad = pod('x', { containers: [c('c', { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' }, capabilities: { drop: ['ALL'] } })] });
  assert.ok(plugin.handles(req(rc, 'CREATE', bad)));
  await assert.rejects(
    async () => plugin.validate!(req(rc, 'CREATE', bad)),
    (e: unknown) => e instanceof ApiError && e.code === 403 && e.message === 'pods "x" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false)',
  );
  assert.equal(plugin.handles(req(rc, 'UPDATE', bad, bad, 'status')), false);
  // An update that only changes the image passes, as in Kubernetes.
  const newer = structuredClone(bad);
  newer.spec.containers[0].image = 'y';
  await plugin.validate!(req(rc, 'UPDATE', newer, bad));
  // Anything else changed in a container (or the spec) is checked again.
  const changed = structuredClone(newer);
  changed.spec.containers[0].workingDir = '/w';
  await assert.rejects(async () => plugin.validate!(req(rc, 'UPDATE', changed, bad)), /violates PodSecurity "restricted:latest"/);
  const more = structuredClone(newer);
  more.spec.containers.push(c('d', { allowPrivilegeEscalation: false }));
  await assert.rejects(async () => plugin.validate!(req(rc, 'UPDATE', more, bad)), /violates PodSecurity "restricted:latest"/);
  // Default namespace policy: baseline enforced, restricted warned.
  const rc2 = fakeRc({ group: '', plural: 'pods' }, 'default', {});
  await plugin.validate!(req(rc2, 'CREATE', pod('p', { containers: [c('c')] })));
  assert.equal(rc2.warnings.length, 1);
  assert.match(rc2.warnings[0], /^would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false/);
  // What the audit log will record for the request.
  const notes = podSecurityAuditAnnotations(rc2);
  assert.equal(notes['pod-security.kubernetes.io/enforce-policy'], 'baseline:latest');
  assert.match(notes['pod-security.kubernetes.io/audit-violations'], /^would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false/);
  await assert.rejects(async () => plugin.validate!(req(rc2, 'CREATE', pod('h', { hostNetwork: true, containers: [c('c')] }))), /violates PodSecurity "baseline:latest": host namespaces \(hostNetwork=true\)/);
  // kube-system is exempt; so is a privileged namespace.
  const sys = fakeRc({ group: '', plural: 'pods' }, 'kube-system', {});
  await plugin.validate!(req(sys, 'CREATE', pod('h', { hostNetwork: true, containers: [c('c')] })));
  assert.deepEqual(podSecurityAuditAnnotations(sys), { 'pod-security.kubernetes.io/exempt': 'namespace' });
  await plugin.validate!(req(fakeRc({ group: '', plural: 'pods' }, 'ops', { ops: { 'pod-security.kubernetes.io/enforce': 'privileged' } }), 'CREATE', pod('h', { hostNetwork: true, containers: [c('c')] })));
});

test('plugin: workloads only warn; namespaces with bad labels are refused, a stricter enforce label warns about existing pods', async () => {
  const plugin = podSecurityPlugin(GIFEE_DEFAULTS);
  const rc = fakeRc({ group: 'apps', plural: 'deployments' }, 'ns', { ns: { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/warn': 'restricted' } });
  await plugin.validate!(req(rc, 'CREATE', { metadata: { name: 'd' }, spec: { template: { spec: { hostNetwork: true, containers: [c('c')] } } } }));
  assert.equal(rc.warnings.length, 1);
  assert.match(rc.warnings[0], /^would violate PodSecurity "restricted:latest": host namespaces \(hostNetwork=true\), allowPrivilegeEscalation != false/);
  const cron = fakeRc({ group: 'batch', plural: 'cronjobs' }, 'ns', {});
  await plugin.validate!(req(cron, 'CREATE', { metadata: { name: 'cj' }, spec: { jobTemplate: { spec: { template: { spec: { containers: [c('c')] } } } } } }));
  assert.equal(cron.warnings.length, 1);

  const nsRc = fakeRc({ group: '', plural: 'namespaces' }, undefined, {}, [pod('b', { hostNetwork: true, containers: [c('c')] }), pod('a', { hostNetwork: true, containers: [c('c')] }), pod('ok', { containers: [c('c', good)] })]);
  await assert.rejects(
    async () => plugin.validate!(req(nsRc, 'CREATE', { metadata: { name: 'n', labels: { 'pod-security.kubernetes.io/enforce': 'strict' } } })),
    (e: unknown) => e instanceof ApiError && e.code === 422 && /metadata\.labels\[pod-security\.kubernetes\.io\/enforce\]: Invalid value: "strict"/.test(e.message),
  );
  await plugin.validate!(req(nsRc, 'UPDATE', { metadata: { name: 'n', labels: { 'pod-security.kubernetes.io/enforce': 'baseline' } } }, { metadata: { name: 'n' } }));
  assert.deepEqual(nsRc.warnings, [], 'baseline is the default already');
  await plugin.validate!(req(nsRc, 'UPDATE', { metadata: { name: 'n', labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } }, { metadata: { name: 'n' } }));
  assert.deepEqual(nsRc.warnings, ['existing pods in namespace "n" violate the new PodSecurity enforce level "restricted:latest"', 'a (and 1 other pod): host namespaces, allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile']);
  // An exempt namespace takes the labels, with a warning that they do nothing.
  const sys = fakeRc({ group: '', plural: 'namespaces' }, undefined, {});
  await plugin.validate!(req(sys, 'UPDATE', { metadata: { name: 'kube-system', labels: { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/warn': 'baseline' } } }, { metadata: { name: 'kube-system' } }));
  assert.deepEqual(sys.warnings, ['namespace "kube-system" is exempt from Pod Security, and the policy (enforce=restricted:latest, warn=baseline:latest) will be ignored']);
  // Exempt users pass pods and workloads alike.
  const exemptUser = podSecurityPlugin({ ...GIFEE_DEFAULTS, exemptions: { ...GIFEE_DEFAULTS.exemptions, usernames: ['ci'] } });
  const ci = fakeRc({ group: 'apps', plural: 'daemonsets' }, 'ns', {}, [], 'ci');
  await exemptUser.validate!(req(ci, 'CREATE', { metadata: { name: 'd' }, spec: { template: { spec: { hostNetwork: true, containers: [c('c')] } } } }));
  assert.deepEqual(ci.warnings, []);
});
