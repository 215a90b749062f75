import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KObject } from '../../kind.js';
import { pod } from './pod.js';
import { podTemplate } from './pod-template.js';
import { admit, messages } from './testing.js';

const mk = (spec: Record<string, unknown>): KObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec });
const app = (extra: Record<string, unknown> = {}) => ({ name: 'app', image: 'nginx:1.27', ...extra });
const errorsOf = (spec: Record<string, unknown>) => messages(admit(pod, mk(spec)).errors);

describe('pod spec validation', () => {
  it('accepts a minimal pod', () => {
    assert.deepEqual(errorsOf({ containers: [app()] }), []);
  });

  it('requires at least one container', () => {
    assert.deepEqual(errorsOf({ containers: [] }), ['spec.containers: Required value']);
    assert.ok(messages(admit(pod, { metadata: { name: 'p' } }).errors).includes('spec.containers: Required value'));
  });

  it('checks container names: DNS labels, unique across init and app containers', () => {
    const errs = errorsOf({ containers: [app({ name: 'Web' }), app({ name: 'x' })], initContainers: [app({ name: 'x' })] });
    assert.ok(
      errs.some((e) => e.startsWith('spec.containers[0].name: Invalid value: "Web": a lowercase RFC 1123 label')),
      errs.join('\n'),
    );
    assert.ok(errs.includes('spec.initContainers[0].name: Duplicate value: "x"'), errs.join('\n'));
  });

  it('requires an image, and rejects surrounding whitespace in pods only', () => {
    assert.deepEqual(errorsOf({ containers: [{ name: 'a' }] }), ['spec.containers[0].image: Required value']);
    assert.deepEqual(errorsOf({ containers: [app({ image: ' nginx ' })] }), ['spec.containers[0].image: Invalid value: " nginx ": must not have leading or trailing whitespace']);
    const tmpl = admit(podTemplate, { metadata: { name: 't' }, template: { spec: { containers: [app({ image: ' ' })] } } });
    assert.deepEqual(messages(tmpl.errors), []);
  });

  it('checks port ranges and names', () => {
    const errs = errorsOf({ containers: [app({ ports: [{ containerPort: 70000 }, { containerPort: 80, hostPort: -1 }, { containerPort: 81, name: 'Too_Long_Port_Name' }] })] });
    assert.ok(errs.includes('spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive'), errs.join('\n'));
    assert.ok(errs.includes('spec.containers[0].ports[1].hostPort: Invalid value: -1: must be between 1 and 65535, inclusive'), errs.join('\n'));
    assert.ok(errs.includes('spec.containers[0].ports[2].name: Invalid value: "Too_Long_Port_Name": must be no more than 15 characters'), errs.join('\n'));
  });

  it('checks security settings the kubelet could not enforce as written', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ containers: [app({ securityContext: { privileged: true, allowPrivilegeEscalation: false } })] }, 'spec.containers[0].securityContext: Invalid value: '],
      [{ containers: [app({ securityContext: { allowPrivilegeEscalation: false, capabilities: { add: ['SYS_ADMIN'] } } })] }, 'cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN'],
      [{ containers: [app({ securityContext: { seccompProfile: { type: 'Localhost', localhostProfile: '../../etc/x.json' } } })] }, `spec.containers[0].securityContext.seccompProfile.localhostProfile: Invalid value: "../../etc/x.json": must not contain '..'`],
      [{ securityContext: { seccompProfile: { type: 'Localhost', localhostProfile: '/etc/x.json' } }, containers: [app()] }, 'spec.securityContext.seccompProfile.localhostProfile: Invalid value: "/etc/x.json": must be a relative path'],
      [
        {
          securityContext: {
            sysctls: [
              { name: 'kernel.shm_rmid_forced', value: '1' },
              { name: 'kernel.shm_rmid_forced', value: '0' },
            ],
          },
          containers: [app()],
        },
        'spec.securityContext.sysctls[1].name: Duplicate value: "kernel.shm_rmid_forced"',
      ],
      [{ hostNetwork: true, securityContext: { sysctls: [{ name: 'net.ipv4.tcp_syncookies', value: '1' }] }, containers: [app()] }, `spec.securityContext.sysctls[0].name: Invalid value: "net.ipv4.tcp_syncookies": may not be specified when 'hostNetwork' is true`],
      [{ securityContext: { sysctls: [{ name: 'Bad Name', value: '1' }] }, containers: [app()] }, 'spec.securityContext.sysctls[0].name: Invalid value: "Bad Name": must have at most 253 characters'],
      [{ hostUsers: false, hostPID: true, containers: [app()] }, 'spec.hostPID: Forbidden: when `hostUsers` is false'],
    ];
    for (const [spec, want] of cases) {
      const errs = errorsOf(spec);
      assert.ok(
        errs.some((e) => e.includes(want)),
        `${want}\n${errs.join('\n')}`,
      );
    }
  });

  it('rejects unsupported restart policies (through the schema)', () => {
    assert.deepEqual(errorsOf({ restartPolicy: 'Sometimes', containers: [app()] }), ['spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"']);
  });

  it('checks volumes: unique names, exactly one source, mounts of existing volumes', () => {
    const errs = errorsOf({
      volumes: [
        { name: 'data', emptyDir: {} },
        { name: 'data', emptyDir: {} },
        { name: 'both', emptyDir: {}, hostPath: { path: '/x' } },
      ],
      containers: [
        app({
          volumeMounts: [
            { name: 'missing', mountPath: '/m' },
            { name: 'data', mountPath: '/m' },
          ],
        }),
      ],
    });
    assert.ok(errs.includes('spec.volumes[1].name: Duplicate value: "data"'), errs.join('\n'));
    assert.ok(
      errs.some((e) => /^spec\.volumes\[2\]\.(hostPath|emptyDir): Forbidden: may not specify more than 1 volume type$/.test(e)),
      errs.join('\n'),
    );
    assert.ok(errs.includes('spec.containers[0].volumeMounts[0].name: Not found: "missing"'), errs.join('\n'));
    assert.ok(errs.includes('spec.containers[0].volumeMounts[1].mountPath: Invalid value: "/m": must be unique'), errs.join('\n'));
  });

  it('checks probes and sidecar rules', () => {
    const errs = errorsOf({
      containers: [app({ livenessProbe: { successThreshold: 2, exec: { command: ['true'] } }, readinessProbe: {}, restartPolicy: 'Always' })],
      initContainers: [app({ name: 'init', readinessProbe: { exec: { command: ['true'] } } }), app({ name: 'sidecar', restartPolicy: 'Always', readinessProbe: { tcpSocket: { port: 80 } } })],
    });
    assert.ok(errs.includes('spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1'), errs.join('\n'));
    assert.ok(errs.includes('spec.containers[0].readinessProbe: Required value: must specify a handler type'), errs.join('\n'));
    assert.ok(errs.includes('spec.containers[0].restartPolicy: Forbidden: may not be set for non-init containers'), errs.join('\n'));
    assert.ok(errs.includes('spec.initContainers[0].readinessProbe: Forbidden: may not be set for init containers without restartPolicy=Always'), errs.join('\n'));
    assert.ok(!errs.some((e) => e.startsWith('spec.initContainers[1]')), errs.join('\n'));
  });

  it('allows a container-level restartPolicy only on init containers, and only Always', () => {
    const errs = errorsOf({ containers: [app()], initContainers: [app({ name: 'once', restartPolicy: 'Never', lifecycle: { preStop: { exec: { command: ['x'] } } } }), app({ name: 'side', restartPolicy: 'Always', lifecycle: { preStop: { exec: { command: ['x'] } } }, startupProbe: { exec: { command: ['true'] } } })] });
    assert.deepEqual(errs, ['spec.initContainers[0].restartPolicy: Unsupported value: "Never": supported values: "Always"', 'spec.initContainers[0].lifecycle: Forbidden: may not be set for init containers without restartPolicy=Always']);
  });

  it('checks env sources, tolerations, requests against limits and DNS policy None', () => {
    const errs = errorsOf({
      dnsPolicy: 'None',
      tolerations: [
        { operator: 'Equal', value: 'x' },
        { key: 'k', operator: 'Exists', value: 'v' },
        { key: 'k', tolerationSeconds: 5, effect: 'NoSchedule' },
      ],
      containers: [app({ env: [{ name: 'A', value: 'x', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }], resources: { requests: { cpu: '2' }, limits: { cpu: '1' } } })],
    });
    assert.ok(errs.includes('spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None'), errs.join('\n'));
    assert.ok(errs.includes('spec.containers[0].env[0].valueFrom: Invalid value: "": may not be specified when `value` is not empty'), errs.join('\n'));
    assert.ok(errs.includes('spec.containers[0].resources.requests[cpu]: Invalid value: "2": must be less than or equal to cpu limit of 1'), errs.join('\n'));
    assert.ok(
      errs.some((e) => e.startsWith('spec.tolerations[0].operator: Invalid value: "Equal": operator must be Exists when `key` is empty')),
      errs.join('\n'),
    );
    assert.ok(
      errs.some((e) => e.startsWith('spec.tolerations[1].operator: Invalid value:') && e.endsWith("value must be empty when `operator` is 'Exists'")),
      errs.join('\n'),
    );
    assert.ok(errs.includes('spec.tolerations[2].effect: Invalid value: "NoSchedule": effect must be \'NoExecute\' when `tolerationSeconds` is set'), errs.join('\n'));
  });

  it('forbids ephemeral containers on create', () => {
    const errs = errorsOf({ containers: [app()], ephemeralContainers: [{ name: 'debug', image: 'busybox' }] });
    assert.deepEqual(errs, ['spec.ephemeralContainers: Forbidden: cannot be set on create']);
  });
});

describe('pod updates', () => {
  const created = admit(pod, mk({ containers: [app()], tolerations: [{ key: 'a', operator: 'Exists' }], activeDeadlineSeconds: 100 })).obj;
  const update = (change: (spec: Record<string, any>) => void) => {
    const next = structuredClone(created);
    change(next.spec as Record<string, any>);
    return messages(admit(pod, next, created).errors);
  };

  it('allows images, a shorter deadline and added tolerations', () => {
    assert.deepEqual(
      update((s) => {
        s.containers[0].image = 'nginx:1.28';
        s.activeDeadlineSeconds = 50;
        s.tolerations.push({ key: 'b', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 });
      }),
      [],
    );
  });

  it("forbids other changes with Kubernetes' message", () => {
    const errs = update((s) => {
      s.containers[0].ports = [{ containerPort: 80 }];
    });
    assert.equal(errs.length, 1);
    assert.match(
      errs[0],
      /^spec: Forbidden: pod updates may not change fields other than `spec\.containers\[\*\]\.image`,`spec\.initContainers\[\*\]\.image`,`spec\.activeDeadlineSeconds`,`spec\.tolerations` \(only additions to existing tolerations\),`spec\.terminationGracePeriodSeconds` \(allow it to be set to 1 if it was previously negative\)/,
    );
  });

  it('checks the deadline, removed tolerations and added containers', () => {
    assert.deepEqual(
      update((s) => {
        s.activeDeadlineSeconds = 200;
      }),
      ['spec.activeDeadlineSeconds: Invalid value: 200: must be less than or equal to previous value'],
    );
    assert.deepEqual(
      update((s) => {
        s.tolerations = [];
      }),
      ['spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds'],
    );
    assert.deepEqual(
      update((s) => {
        s.containers.push(app({ name: 'two' }));
      }),
      ['spec.containers: Forbidden: pod updates may not add or remove containers'],
    );
  });

  it('allows adding ephemeral containers but not changing them', () => {
    const withDebug = structuredClone(created);
    (withDebug.spec as any).ephemeralContainers = [{ name: 'debug', image: 'busybox', stdin: true }];
    const admitted = admit(pod, withDebug, created);
    assert.deepEqual(messages(admitted.errors), []);
    const changed = structuredClone(admitted.obj);
    (changed.spec as any).ephemeralContainers[0].image = 'alpine';
    assert.deepEqual(messages(admit(pod, changed, admitted.obj).errors), ['spec.ephemeralContainers: Forbidden: existing ephemeral containers "debug" may not be changed']);
  });
});
