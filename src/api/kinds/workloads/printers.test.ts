import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KindDef, KObject } from '../../kind.js';
import { toTable } from '../../table.js';
import { controllerRevision } from './controllerrevision.js';
import { cronJob } from './cronjob.js';
import { daemonSet } from './daemonset.js';
import { deployment } from './deployment.js';
import { job, jobDurationCell } from './job.js';
import { pod } from './pod.js';
import { summarizePod } from './pod-printing.js';
import { replicaSet } from './replicaset.js';
import { statefulSet } from './statefulset.js';

const NOW = Date.parse('2024-05-01T12:00:00Z');
const ago = (ms: number) => new Date(NOW - ms).toISOString();
const MIN = 60_000;

const header = (def: KindDef, wide = false) =>
  toTable(def, [])
    .columnDefinitions.filter((c) => wide || c.priority === 0)
    .map((c) => c.name.toUpperCase());
const cells = (def: KindDef, o: KObject) => toTable(def, [o], { includeObject: 'None' }).rows[0].cells;

const running = (name: string, restarts = 0, extra: Record<string, unknown> = {}) => ({ name, ready: true, restartCount: restarts, image: 'x', imageID: '', state: { running: { startedAt: ago(MIN) } }, ...extra });

describe('pod columns', () => {
  it('are NAME READY STATUS RESTARTS AGE, wide IP NODE NOMINATED NODE READINESS GATES', () => {
    assert.deepEqual(header(pod), ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
    assert.deepEqual(header(pod, true), ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES']);
  });

  it('show a running pod', () => {
    const p: KObject = {
      metadata: { name: 'web', creationTimestamp: ago(10 * MIN) },
      spec: { nodeName: 'n1', containers: [{ name: 'a' }, { name: 'b' }], readinessGates: [{ conditionType: 'x/ready' }] },
      status: { phase: 'Running', podIPs: [{ ip: '10.0.0.5' }], conditions: [{ type: 'x/ready', status: 'True' }], containerStatuses: [running('a'), { ...running('b'), ready: false }] },
    };
    const c = cells(pod, p);
    assert.deepEqual([c[0], c[1], c[2], c[3]], ['web', '1/2', 'Running', '0']);
    assert.deepEqual(c.slice(5), ['10.0.0.5', 'n1', '<none>', '1/1']);
  });

  it('show waiting reasons, restarts with their age, init progress, completion, termination', () => {
    const crash: KObject = {
      spec: { containers: [{ name: 'a' }] },
      status: { phase: 'Running', containerStatuses: [{ name: 'a', ready: false, restartCount: 5, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1, finishedAt: ago(5 * MIN) } } }] },
    };
    assert.deepEqual(summarizePod(crash, NOW), { ready: '0/1', status: 'CrashLoopBackOff', restarts: '5 (5m ago)' });

    const init: KObject = {
      spec: { initContainers: [{ name: 'i1' }, { name: 'i2' }], containers: [{ name: 'a' }] },
      status: {
        phase: 'Pending',
        initContainerStatuses: [
          { name: 'i1', state: { terminated: { exitCode: 0 } } },
          { name: 'i2', state: { running: {} } },
        ],
        containerStatuses: [{ name: 'a', state: { waiting: { reason: 'PodInitializing' } } }],
      },
    };
    assert.equal(summarizePod(init, NOW).status, 'Init:1/2');
    const initFailed = structuredClone(init);
    (initFailed.status as any).initContainerStatuses[1].state = { terminated: { exitCode: 3 } };
    assert.equal(summarizePod(initFailed, NOW).status, 'Init:ExitCode:3');
    const initBackoff = structuredClone(init);
    (initBackoff.status as any).initContainerStatuses[1].state = { waiting: { reason: 'ImagePullBackOff' } };
    assert.equal(summarizePod(initBackoff, NOW).status, 'Init:ImagePullBackOff');

    const done: KObject = { spec: { containers: [{ name: 'a' }] }, status: { phase: 'Succeeded', containerStatuses: [{ name: 'a', ready: false, state: { terminated: { exitCode: 0, reason: 'Completed' } } }] } };
    assert.deepEqual(summarizePod(done, NOW), { ready: '0/1', status: 'Completed', restarts: '0' });

    const deleting: KObject = { metadata: { deletionTimestamp: ago(0) }, spec: { containers: [{ name: 'a' }] }, status: { phase: 'Running', containerStatuses: [running('a')] } };
    assert.equal(summarizePod(deleting, NOW).status, 'Terminating');

    const pending: KObject = { spec: { containers: [{ name: 'a' }] }, status: { phase: 'Pending' } };
    assert.deepEqual(summarizePod(pending, NOW), { ready: '0/1', status: 'Pending', restarts: '0' });

    const gated: KObject = { spec: { containers: [{ name: 'a' }] }, status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] } };
    assert.equal(summarizePod(gated, NOW).status, 'SchedulingGated');
  });

  it('count started sidecars as containers', () => {
    const p: KObject = {
      spec: { initContainers: [{ name: 'proxy', restartPolicy: 'Always' }], containers: [{ name: 'a' }] },
      status: { phase: 'Running', conditions: [{ type: 'Initialized', status: 'True' }], initContainerStatuses: [{ name: 'proxy', started: true, ready: true, restartCount: 2, state: { running: {} } }], containerStatuses: [running('a')] },
    };
    assert.deepEqual(summarizePod(p, NOW), { ready: '2/2', status: 'Running', restarts: '2' });
  });
});

const tmpl = {
  metadata: { labels: { app: 'web' } },
  spec: {
    nodeSelector: { 'kubernetes.io/os': 'linux' },
    containers: [
      { name: 'web', image: 'nginx:1.27' },
      { name: 'log', image: 'fluent:2' },
    ],
  },
};

describe('apps and batch columns', () => {
  it('deployments: NAME READY UP-TO-DATE AVAILABLE AGE + CONTAINERS IMAGES SELECTOR', () => {
    assert.deepEqual(header(deployment, true), ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR']);
    const d: KObject = { metadata: { name: 'web' }, spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: tmpl }, status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 } };
    const c = cells(deployment, d);
    assert.deepEqual([c[1], c[2], c[3], c[5], c[6], c[7]], ['2/3', 3, 2, 'web,log', 'nginx:1.27,fluent:2', 'app=web']);
  });

  it('replicasets: DESIRED CURRENT READY', () => {
    assert.deepEqual(header(replicaSet), ['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE']);
    const c = cells(replicaSet, { metadata: { name: 'web-1' }, spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: tmpl }, status: { replicas: 3, readyReplicas: 1 } });
    assert.deepEqual(c.slice(1, 4), [3, 3, 1]);
  });

  it('statefulsets: READY', () => {
    assert.deepEqual(header(statefulSet, true), ['NAME', 'READY', 'AGE', 'CONTAINERS', 'IMAGES']);
    assert.equal(cells(statefulSet, { metadata: { name: 'db' }, spec: { replicas: 3, template: tmpl }, status: { readyReplicas: 1 } })[1], '1/3');
  });

  it('daemonsets: DESIRED CURRENT READY UP-TO-DATE AVAILABLE NODE SELECTOR', () => {
    assert.deepEqual(header(daemonSet), ['NAME', 'DESIRED', 'CURRENT', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'NODE SELECTOR', 'AGE']);
    const c = cells(daemonSet, { metadata: { name: 'agent' }, spec: { selector: { matchLabels: { app: 'web' } }, template: tmpl }, status: { desiredNumberScheduled: 2, currentNumberScheduled: 2, numberReady: 1, updatedNumberScheduled: 2, numberAvailable: 1 } });
    assert.deepEqual(c.slice(1, 7), [2, 2, 1, 2, 1, 'kubernetes.io/os=linux']);
  });

  it('jobs: STATUS COMPLETIONS DURATION', () => {
    assert.deepEqual(header(job), ['NAME', 'STATUS', 'COMPLETIONS', 'DURATION', 'AGE']);
    const done: KObject = { metadata: { name: 'pi' }, spec: { completions: 1, parallelism: 1, template: tmpl }, status: { succeeded: 1, startTime: ago(10 * MIN), completionTime: ago(10 * MIN - 42_000), conditions: [{ type: 'Complete', status: 'True' }] } };
    const c = cells(job, done);
    assert.deepEqual(c.slice(1, 4), ['Complete', '1/1', '42s']);
    const queue: KObject = { metadata: { name: 'q' }, spec: { parallelism: 3, template: tmpl }, status: { startTime: ago(3 * MIN) } };
    assert.deepEqual(cells(job, queue).slice(1, 3), ['Running', '0/1 of 3']);
    assert.equal(jobDurationCell(queue, NOW), '3m');
    assert.equal(cells(job, { metadata: { name: 's' }, spec: { completions: 2 }, status: { conditions: [{ type: 'Suspended', status: 'True' }] } })[1], 'Suspended');
  });

  it('cronjobs: SCHEDULE TIMEZONE SUSPEND ACTIVE LAST SCHEDULE', () => {
    assert.deepEqual(header(cronJob), ['NAME', 'SCHEDULE', 'TIMEZONE', 'SUSPEND', 'ACTIVE', 'LAST SCHEDULE', 'AGE']);
    const c = cells(cronJob, { metadata: { name: 'cj' }, spec: { schedule: '*/5 * * * *', suspend: false, jobTemplate: { spec: { template: tmpl } } }, status: { active: [{ name: 'cj-1' }] } });
    assert.deepEqual(c.slice(1, 6), ['*/5 * * * *', '<none>', 'False', 1, '<none>']);
  });

  it('controllerrevisions: CONTROLLER REVISION', () => {
    assert.deepEqual(header(controllerRevision), ['NAME', 'CONTROLLER', 'REVISION', 'AGE']);
    const r: KObject = { metadata: { name: 'web-7d9', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'u', controller: true }] }, revision: 2, data: {} };
    assert.deepEqual(cells(controllerRevision, r).slice(1, 3), ['statefulset.apps/web', 2]);
  });
});

describe('field selectors', () => {
  it('pods expose the fields kubelets, schedulers and kubectl select on', () => {
    const p: KObject = { spec: { nodeName: 'n1', restartPolicy: 'Always', schedulerName: 'default-scheduler', serviceAccountName: 'default' }, status: { phase: 'Running', podIP: '10.0.0.1' } };
    const get = (f: string) => pod.fieldSelectors![f](p);
    assert.deepEqual(['spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'spec.hostNetwork', 'status.phase', 'status.podIP', 'status.nominatedNodeName'].map(get), ['n1', 'Always', 'default-scheduler', 'default', 'false', 'Running', '10.0.0.1', '']);
    assert.equal(replicaSet.fieldSelectors!['status.replicas']({ status: { replicas: 2 } }), '2');
    assert.equal(job.fieldSelectors!['status.successful']({}), '0');
  });
});
