// Pods and templates as Kubernetes 1.32 admits them: the SchedulingGated condition, AppArmor's
// annotations mirrored into fields and back, the deprecation warnings, and fields behind gates 1.32
// has off dropped on create (kept on update when already in use).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KObject } from '../../kind.js';
import { persistentVolume, persistentVolumeClaim } from '../cluster/storage.js';
import { deployment } from './deployment.js';
import { pod } from './pod.js';
import { SCHEDULING_GATED_MESSAGE } from './pod-status.js';
import { admit, messages } from './testing.js';

const app = (extra: Record<string, unknown> = {}) => ({ name: 'app', image: 'nginx:1.27', ...extra });
const mk = (spec: Record<string, unknown>, meta: Record<string, unknown> = {}): KObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', ...meta }, spec });
const AA = 'container.apparmor.security.beta.kubernetes.io/';

describe('scheduling gates', () => {
  it('a gated pod starts with PodScheduled=False, reason SchedulingGated', () => {
    const { obj, errors } = admit(pod, mk({ schedulingGates: [{ name: 'example.com/foo' }, { name: 'example.com/bar' }], containers: [app()] }));
    assert.deepEqual(errors, []);
    const cond = (obj.status as { conditions: Record<string, unknown>[] }).conditions;
    assert.equal(cond.length, 1);
    assert.deepEqual({ ...cond[0], lastTransitionTime: undefined }, { type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: undefined, reason: 'SchedulingGated', message: SCHEDULING_GATED_MESSAGE });
  });

  it('an ungated pod starts with no condition', () => {
    assert.deepEqual(admit(pod, mk({ containers: [app()] })).obj.status, { phase: 'Pending' });
  });

  it('a gated pod cannot name its node', () => {
    assert.deepEqual(messages(admit(pod, mk({ nodeName: 'n1', schedulingGates: [{ name: 'g' }], containers: [app()] })).errors), ['spec.nodeName: Forbidden: cannot be set until all schedulingGates have been cleared']);
  });

  it('gates may be removed but not added', () => {
    const old = admit(pod, mk({ schedulingGates: [{ name: 'a' }], containers: [app()] })).obj;
    const removed = structuredClone(old);
    (removed.spec as Record<string, unknown>).schedulingGates = [];
    assert.deepEqual(admit(pod, removed, old).errors, []);
    const added = structuredClone(old);
    (added.spec as Record<string, unknown>).schedulingGates = [{ name: 'a' }, { name: 'b' }];
    assert.ok(messages(admit(pod, added, old).errors).includes("spec.schedulingGates: Forbidden: only deletion is allowed, but found new scheduling gate 'b'"));
  });
});

describe('node constraints of a gated pod', () => {
  const term = (...keys: string[]) => ({ matchExpressions: keys.map((key) => ({ key, operator: 'Exists' })) });
  const gated = (extra: Record<string, unknown>) => admit(pod, mk({ schedulingGates: [{ name: 'g' }], containers: [app()], ...extra })).obj;
  const update = (old: KObject, extra: Record<string, unknown>) => {
    const next = structuredClone(old);
    Object.assign(next.spec as object, extra);
    return messages(admit(pod, next, old).errors);
  };
  const nodeAffinity = (...terms: unknown[]) => ({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } });

  it('may only be narrowed: selector keys and term requirements added, never changed or removed', () => {
    const old = gated({ nodeSelector: { a: 'b' }, affinity: nodeAffinity(term('x')) });
    assert.deepEqual(update(old, { nodeSelector: { a: 'b', c: 'd' }, affinity: nodeAffinity(term('x', 'y')) }), []);
    assert.deepEqual(update(old, { nodeSelector: { a: 'z' } }), ['spec.nodeSelector: Invalid value: {"a":"z"}: only additions to spec.nodeSelector are allowed (no mutations or deletions)']);
    assert.deepEqual(update(old, { affinity: nodeAffinity(term('y')) }), ['spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]: Invalid value: {"matchExpressions":[{"key":"y","operator":"Exists"}]}: only additions are allowed (no mutations or deletions)']);
    assert.deepEqual(update(old, { affinity: nodeAffinity(term('x'), term('y')) }), [
      'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms: Invalid value: [{"matchExpressions":[{"key":"x","operator":"Exists"}]},{"matchExpressions":[{"key":"y","operator":"Exists"}]}]: no additions/deletions to non-empty NodeSelectorTerms list are allowed',
    ]);
  });

  it('an ungated pod cannot change them at all; pod affinity is never mutable', () => {
    const plain = admit(pod, mk({ nodeSelector: { a: 'b' }, containers: [app()] })).obj;
    assert.ok(update(plain, { nodeSelector: { a: 'b', c: 'd' } })[0].startsWith('spec: Forbidden: pod updates may not change fields other than'));
    const old = gated({});
    assert.deepEqual(update(old, { affinity: nodeAffinity(term('x')) }), []);
    const podAff = { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { a: 'b' } } }] } };
    assert.ok(update(old, { affinity: podAff })[0].startsWith('spec: Forbidden: pod updates may not change fields other than'));
  });
});

describe('AppArmor annotations and fields', () => {
  it('an annotation becomes the container field, with the deprecation warning', () => {
    const { obj, errors, warnings } = admit(pod, mk({ containers: [app({ name: 'hello' })] }, { annotations: { [`${AA}hello`]: 'localhost/k8s-apparmor-example-deny-write' } }));
    assert.deepEqual(errors, []);
    assert.deepEqual((obj.spec as any).containers[0].securityContext.appArmorProfile, { type: 'Localhost', localhostProfile: 'k8s-apparmor-example-deny-write' });
    assert.deepEqual(warnings, [`metadata.annotations[${AA}hello]: deprecated since v1.30; use the "appArmorProfile" field instead`]);
  });

  it('a field becomes the annotation (the pod field for containers without their own)', () => {
    const { obj } = admit(pod, mk({ securityContext: { appArmorProfile: { type: 'RuntimeDefault' } }, containers: [app({ name: 'a' }), app({ name: 'b', securityContext: { appArmorProfile: { type: 'Unconfined' } } })] }));
    assert.deepEqual(obj.metadata?.annotations, { [`${AA}a`]: 'runtime/default', [`${AA}b`]: 'unconfined' });
  });

  it('an annotation equal to the pod profile is not copied into the container', () => {
    const { obj, warnings } = admit(pod, mk({ securityContext: { appArmorProfile: { type: 'RuntimeDefault' } }, containers: [app()] }, { annotations: { [`${AA}app`]: 'runtime/default' } }));
    assert.equal((obj.spec as any).containers[0].securityContext?.appArmorProfile, undefined);
    assert.deepEqual(warnings, []);
  });

  it('refuses mismatches, unknown containers and malformed profiles as Kubernetes words them', () => {
    const mismatch = admit(pod, mk({ containers: [app({ securityContext: { appArmorProfile: { type: 'RuntimeDefault' } } })] }, { annotations: { [`${AA}app`]: 'unconfined' } }));
    assert.deepEqual(messages(mismatch.errors), ['spec.containers[0].securityContext.appArmorProfile.type: Forbidden: apparmor type in annotation and field must match']);
    const local = admit(pod, mk({ containers: [app({ securityContext: { appArmorProfile: { type: 'Localhost', localhostProfile: 'a' } } })] }, { annotations: { [`${AA}app`]: 'localhost/b' } }));
    assert.deepEqual(messages(local.errors), ['spec.containers[0].securityContext.appArmorProfile.localhostProfile: Forbidden: apparmor profile in annotation and field must match']);
    const bad = admit(pod, mk({ containers: [app()] }, { annotations: { [`${AA}nope`]: 'enforce' } }));
    assert.deepEqual(messages(bad.errors), [`metadata.annotations[${AA}nope]: Invalid value: "nope": container not found`, `metadata.annotations[${AA}nope]: Invalid value: "enforce": invalid AppArmor profile name: "enforce"`]);
  });

  it('annotations cannot change once the pod exists', () => {
    const old = admit(pod, mk({ containers: [app()] }, { annotations: { [`${AA}app`]: 'runtime/default' } })).obj;
    const changed = structuredClone(old);
    changed.metadata!.annotations![`${AA}app`] = 'unconfined';
    assert.ok(messages(admit(pod, changed, old).errors).includes(`metadata.annotations[${AA}app]: Forbidden: may not remove or update AppArmor annotations`));
  });

  it('a template is not mirrored but warned about', () => {
    const d: KObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' }, annotations: { [`${AA}app`]: 'runtime/default' } }, spec: { containers: [app()] } } } };
    const { obj, warnings } = admit(deployment, d);
    assert.equal((obj.spec as any).template.spec.containers[0].securityContext, undefined);
    assert.deepEqual(warnings, [`spec.template.metadata.annotations[${AA}app]: deprecated since v1.30; use the "appArmorProfile" field instead`]);
  });
});

describe('deprecation warnings', () => {
  it('seccomp alpha annotations, beta node labels, removed volumes, fractional bytes', () => {
    const { warnings } = admit(
      pod,
      mk(
        {
          nodeSelector: { 'beta.kubernetes.io/os': 'linux' },
          affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'beta.kubernetes.io/arch', operator: 'In', values: ['amd64'] }] }] } } },
          volumes: [{ name: 'repo', gitRepo: { repository: 'https://example.com/r.git' } }],
          containers: [app({ resources: { requests: { memory: '500m' } }, volumeMounts: [{ name: 'repo', mountPath: '/r' }] })],
        },
        { annotations: { 'seccomp.security.alpha.kubernetes.io/pod': 'runtime/default', 'container.seccomp.security.alpha.kubernetes.io/app': 'runtime/default' } },
      ),
    );
    assert.deepEqual(warnings.sort(), [
      'metadata.annotations[container.seccomp.security.alpha.kubernetes.io/app]: non-functional in v1.27+; use the "seccompProfile" field instead',
      'metadata.annotations[seccomp.security.alpha.kubernetes.io/pod]: non-functional in v1.27+; use the "seccompProfile" field instead',
      'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].key: beta.kubernetes.io/arch is deprecated since v1.14; use "kubernetes.io/arch" instead',
      'spec.containers[0].resources.requests[memory]: fractional byte value "500m" is invalid, must be an integer',
      'spec.nodeSelector[beta.kubernetes.io/os]: deprecated since v1.14; use "kubernetes.io/os" instead',
      'spec.volumes[0].gitRepo: deprecated in v1.11',
    ]);
  });

  it('names that are not DNS labels, a hostIP without a hostPort', () => {
    const { warnings, errors } = admit(pod, { metadata: { name: 'web.v1' }, spec: { containers: [app({ ports: [{ containerPort: 80, hostIP: '127.0.0.1' }] })] } });
    assert.deepEqual(errors, []);
    assert.equal(warnings.length, 2, warnings.join('\n'));
    assert.ok(warnings[0].startsWith("metadata.name: this is used in the Pod's hostname, which can result in surprising behavior; a DNS label is recommended: [a lowercase RFC 1123 label must consist of"), warnings[0]);
    assert.equal(warnings[1], 'spec.containers[0].ports[0]: hostIP set without hostPort: {Name: HostPort:0 ContainerPort:80 Protocol:TCP HostIP:127.0.0.1}');
  });

  it('duplicate env names, ports and pull secrets: accepted, with warnings', () => {
    const { warnings, errors } = admit(
      pod,
      mk({
        imagePullSecrets: [{ name: 'r' }, { name: 'r' }],
        hostAliases: [
          { ip: '10.0.0.1', hostnames: ['a'] },
          { ip: '10.0.0.1', hostnames: ['b'] },
        ],
        containers: [
          app({
            env: [
              { name: 'A', value: '1' },
              { name: 'A', value: '2' },
              { name: 'B', value: '1' },
              { name: 'B', value: '$(B)-2' },
            ],
            ports: [{ containerPort: 80 }, { containerPort: 80 }],
          }),
        ],
      }),
    );
    assert.deepEqual(errors, []);
    assert.deepEqual(warnings, [
      'spec.hostAliases[1].ip: duplicate ip "10.0.0.1"',
      'spec.imagePullSecrets[1].name: duplicate name "r"',
      'spec.containers[0].env[1]: hides previous definition of "A", which may be dropped when using apply',
      'spec.containers[0].ports[1]: duplicate port definition with spec.containers[0].ports[0]',
    ]);
  });

  it('pod updates carry no warnings; template updates only when the template changed', () => {
    const p = admit(pod, mk({ nodeSelector: { 'beta.kubernetes.io/os': 'linux' }, containers: [app()] })).obj;
    assert.deepEqual(admit(pod, structuredClone(p), p).warnings, []);
    const d = admit(deployment, { metadata: { name: 'd' }, spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { nodeSelector: { 'beta.kubernetes.io/os': 'linux' }, containers: [app()] } } } }).obj;
    const scaled = structuredClone(d);
    (scaled.spec as any).replicas = 5;
    assert.deepEqual(admit(deployment, scaled, d).warnings, []);
    const changed = structuredClone(d);
    (changed.spec as any).template.spec.containers[0].image = 'nginx:1.28';
    assert.deepEqual(admit(deployment, changed, d).warnings, ['spec.template.spec.nodeSelector[beta.kubernetes.io/os]: deprecated since v1.14; use "kubernetes.io/os" instead']);
  });

  it('PVs and PVCs: the beta storage-class annotation, Recycle', () => {
    const pvc = admit(persistentVolumeClaim, { metadata: { name: 'c', annotations: { 'volume.beta.kubernetes.io/storage-class': 'fast' } }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } });
    assert.deepEqual(pvc.warnings, ['metadata.annotations[volume.beta.kubernetes.io/storage-class]: deprecated since v1.8; use "storageClassName" attribute instead']);
    const pv = admit(persistentVolume, { metadata: { name: 'v', annotations: { 'volume.beta.kubernetes.io/storage-class': 'slow' } }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Recycle', hostPath: { path: '/tmp/v' } } });
    assert.deepEqual(pv.warnings, ['metadata.annotations[volume.beta.kubernetes.io/storage-class]: deprecated since v1.8; use "storageClassName" attribute instead', 'spec.persistentVolumeReclaimPolicy: The Recycle reclaim policy is deprecated. Instead, the recommended approach is to use dynamic provisioning.']);
  });
});

describe('PersistentVolume sources', () => {
  it('gitRepo and pod-only sources are not PV fields: unknown, then no volume type', () => {
    for (const source of ['gitRepo', 'emptyDir', 'secret', 'configMap', 'downwardAPI', 'projected', 'ephemeral']) {
      const r = admit(persistentVolume, { metadata: { name: 'v' }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], [source]: {} } });
      assert.deepEqual(r.unknownFields, [`spec.${source}`], source);
    }
    const pruned = admit(persistentVolume, { metadata: { name: 'v' }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'] } });
    assert.deepEqual(messages(pruned.errors), ['spec: Required value: must specify a volume type']);
  });
});

describe('fields behind gates 1.32 has off', () => {
  const gated = () => ({
    resources: { limits: { cpu: '1' } },
    resourceClaims: [{ name: 'gpu', resourceClaimTemplateName: 'gpu' }],
    containers: [app({ resizePolicy: [{ resourceName: 'cpu', restartPolicy: 'NotRequired' }], resources: { claims: [{ name: 'gpu' }] } })],
  });

  it('are dropped on create', () => {
    const { obj, errors } = admit(pod, mk(gated()));
    assert.deepEqual(errors, []);
    const spec = obj.spec as any;
    assert.equal(spec.resources, undefined);
    assert.equal(spec.resourceClaims, undefined);
    assert.equal(spec.containers[0].resizePolicy, undefined);
    assert.equal(spec.containers[0].resources.claims, undefined);
  });

  it('stay on update when the old object used them', () => {
    const old = mk(gated());
    const { obj } = admit(pod, structuredClone(old), old);
    assert.deepEqual((obj.spec as any).resourceClaims, [{ name: 'gpu', resourceClaimTemplateName: 'gpu' }]);
    assert.deepEqual((obj.spec as any).containers[0].resizePolicy, [{ resourceName: 'cpu', restartPolicy: 'NotRequired' }]);
  });

  it("a PVC's volumeAttributesClassName is dropped", () => {
    const { obj } = admit(persistentVolumeClaim, { metadata: { name: 'c' }, spec: { accessModes: ['ReadWriteOnce'], volumeAttributesClassName: 'gold', resources: { requests: { storage: '1Gi' } } } });
    assert.equal((obj.spec as any).volumeAttributesClassName, undefined);
  });
});

describe('seccomp alpha annotations', () => {
  it('must name a profile and agree with the field', () => {
    const bad = admit(pod, mk({ containers: [app()] }, { annotations: { 'seccomp.security.alpha.kubernetes.io/pod': 'strict' } }));
    assert.deepEqual(messages(bad.errors), ['metadata.annotations.seccomp.security.alpha.kubernetes.io/pod: Invalid value: "strict": must be a valid seccomp profile']);
    const mismatch = admit(pod, mk({ containers: [app({ securityContext: { seccompProfile: { type: 'Unconfined' } } })] }, { annotations: { 'container.seccomp.security.alpha.kubernetes.io/app': 'runtime/default' } }));
    assert.deepEqual(messages(mismatch.errors), ['spec.containers[0].securityContext.seccompProfile.type: Forbidden: seccomp type in annotation and field must match']);
    const ok = admit(pod, mk({ securityContext: { seccompProfile: { type: 'RuntimeDefault' } }, containers: [app()] }, { annotations: { 'seccomp.security.alpha.kubernetes.io/pod': 'docker/default' } }));
    assert.deepEqual(ok.errors, []);
  });
});
