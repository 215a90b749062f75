import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KObject } from '../../kind.js';
import { toTable } from '../../table.js';
import { formatSelectorMap, replicationController } from './replicationcontroller.js';
import { admit, messages } from './testing.js';

const template = (labels: Record<string, string> | null = { app: 'nginx' }, spec: Record<string, unknown> = {}) => ({ metadata: labels ? { labels } : {}, spec: { containers: [{ name: 'nginx', image: 'nginx', ports: [{ containerPort: 80 }] }], ...spec } });
const rc = (spec: Record<string, unknown>, meta: Record<string, unknown> = {}): KObject => ({ apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'nginx', ...meta }, spec });
const errorsOf = (obj: KObject, old?: KObject) => messages(admit(replicationController, obj, old).errors);

describe('v1 ReplicationController defaulting', () => {
  it('defaults the selector and the object labels from the template labels, and one replica', () => {
    const { obj, errors } = admit(replicationController, rc({ template: template({ app: 'nginx', tier: 'web' }) }));
    assert.deepEqual(errors, []);
    const spec = obj.spec as { selector: unknown; replicas: number };
    assert.deepEqual(spec.selector, { app: 'nginx', tier: 'web' });
    assert.equal(spec.replicas, 1);
    assert.deepEqual(obj.metadata?.labels, { app: 'nginx', tier: 'web' });
  });

  it('keeps a given selector, labels and replicas (zero too)', () => {
    const { obj, errors } = admit(replicationController, rc({ replicas: 0, selector: { app: 'nginx' }, template: template({ app: 'nginx', version: 'v1' }) }, { labels: { owner: 'me' } }));
    assert.deepEqual(errors, []);
    assert.deepEqual((obj.spec as { selector: unknown }).selector, { app: 'nginx' });
    assert.equal((obj.spec as { replicas: number }).replicas, 0);
    assert.deepEqual(obj.metadata?.labels, { owner: 'me' });
  });

  it('defaults the pod template like a pod (restartPolicy, imagePullPolicy, dnsPolicy)', () => {
    const { obj } = admit(replicationController, rc({ template: template() }));
    const podSpec = (obj.spec as { template: { spec: Record<string, unknown> } }).template.spec;
    assert.equal(podSpec.restartPolicy, 'Always');
    assert.equal(podSpec.dnsPolicy, 'ClusterFirst');
    assert.equal((podSpec.containers as { imagePullPolicy: string }[])[0].imagePullPolicy, 'Always');
  });

  it('accepts the fields kubectl rolling-update era manifests carry', () => {
    const old = rc(
      { replicas: 2, selector: { name: 'frontend', deployment: 'abc123' }, template: template({ name: 'frontend', deployment: 'abc123' }) },
      { annotations: { 'kubectl.kubernetes.io/next-controller-id': 'frontend-v2', 'kubectl.kubernetes.io/desired-replicas': '2', 'kubectl.kubernetes.io/update-source-id': 'frontend-v1:uid' } },
    );
    const { errors, unknownFields } = admit(replicationController, old);
    assert.deepEqual(errors, []);
    assert.deepEqual(unknownFields, []);
  });
});

describe('v1 ReplicationController validation', () => {
  it('needs a selector or template labels to default it from', () => {
    assert.deepEqual(errorsOf(rc({ template: template(null) })), ['spec.selector: Required value']);
  });

  it('refuses a selector the template labels do not match', () => {
    assert.deepEqual(errorsOf(rc({ selector: { app: 'web' }, template: template() })), ['spec.template.metadata.labels: Invalid value: {"app":"nginx"}: `selector` does not match template `labels`']);
  });

  it('needs a template', () => {
    assert.deepEqual(errorsOf(rc({ selector: { app: 'nginx' } })), ['spec.template: Required value']);
  });

  it('refuses negative counts, restartPolicy other than Always and activeDeadlineSeconds', () => {
    const errs = errorsOf(rc({ replicas: -1, minReadySeconds: -2, template: template({ app: 'nginx' }, { restartPolicy: 'OnFailure', activeDeadlineSeconds: 5 }) }));
    assert.deepEqual(errs.sort(), [
      'spec.minReadySeconds: Invalid value: -2: must be greater than or equal to 0',
      'spec.replicas: Invalid value: -1: must be greater than or equal to 0',
      'spec.template.spec.activeDeadlineSeconds: Invalid value: 5: activeDeadlineSeconds in ReplicationController is not Supported',
      'spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"',
    ]);
  });

  it('refuses invalid selector labels', () => {
    const errs = errorsOf(rc({ selector: { 'bad key!': 'x' }, template: template({ 'bad key!': 'x' }) }));
    assert.ok(
      errs.some((e) => e.startsWith('spec.selector')),
      errs.join('\n'),
    );
  });

  it('refuses status counts that contradict each other', () => {
    const base = admit(replicationController, rc({ template: template() })).obj;
    assert.deepEqual(errorsOf({ ...base, status: { replicas: 2, fullyLabeledReplicas: 2, readyReplicas: 1, availableReplicas: 1, observedGeneration: 1 } }), []);
    assert.deepEqual(errorsOf({ ...base, status: { replicas: 1, readyReplicas: 2, availableReplicas: 2 } }).sort(), ['status.availableReplicas: Invalid value: 2: cannot be greater than status.replicas', 'status.readyReplicas: Invalid value: 2: cannot be greater than status.replicas']);
    assert.deepEqual(errorsOf({ ...base, status: { replicas: 2, readyReplicas: 1, availableReplicas: 2 } }), ['status.availableReplicas: Invalid value: 2: cannot be greater than readyReplicas']);
    assert.deepEqual(errorsOf({ ...base, status: { replicas: -1 } }), ['status.replicas: Invalid value: -1: must be greater than or equal to 0']);
  });

  it('lets the selector change on update (unlike apps/v1)', () => {
    const old = admit(replicationController, rc({ selector: { app: 'nginx' }, template: template({ app: 'nginx', v: '1' }) })).obj;
    assert.deepEqual(errorsOf(rc({ selector: { app: 'nginx', v: '1' }, template: template({ app: 'nginx', v: '1' }) }), old), []);
  });
});

describe('v1 ReplicationController printing', () => {
  it('prints NAME DESIRED CURRENT READY AGE, and CONTAINERS IMAGES SELECTOR wide', () => {
    const { obj } = admit(replicationController, rc({ replicas: 3, template: template({ app: 'nginx', tier: 'fe' }) }));
    obj.status = { replicas: 2, readyReplicas: 1 };
    const table = toTable(replicationController, [obj]);
    const names = table.columnDefinitions.map((c) => c.name);
    assert.deepEqual(names, ['Name', 'Desired', 'Current', 'Ready', 'Age', 'Containers', 'Images', 'Selector']);
    const cells = table.rows[0].cells;
    assert.deepEqual([cells[0], cells[1], cells[2], cells[3], cells[5], cells[6], cells[7]], ['nginx', 3, 2, 1, 'nginx', 'nginx', 'app=nginx,tier=fe']);
    assert.equal(formatSelectorMap({}), '<none>');
  });
});
