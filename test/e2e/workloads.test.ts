// Workload controllers end to end: Jobs, CronJobs, StatefulSets and DaemonSets driven with the real
// kubectl against a real `gifee server`. No node agent or scheduler runs here: the fake kubelet in
// test/helpers/fake-kubelet.ts stands in for both (binds pods, reports them Running/Ready or
// finished by a rule on the container command), clearly a stand-in until they land.

import { describe, before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { startFakeKubelet, type FakeKubelet } from '../helpers/fake-kubelet.js';

const until = async (what: string, fn: () => Promise<boolean>, ms = 30_000) => {
  const end = Date.now() + ms;
  let last: unknown;
  while (Date.now() < end) {
    try {
      if (await fn()) return;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last}` : ''}`);
};

describe('workload controllers', () => {
  let cluster: Cluster;
  let kubelet: FakeKubelet;
  const k = (args: string[], o?: { input?: string; allowFail?: boolean }) => cluster.kubectl(args, o);
  const json = async (args: string[]) => JSON.parse((await k([...args, '-o', 'json'])).stdout);
  const apply = (obj: unknown) => k(['apply', '-f', '-'], { input: JSON.stringify(obj) });

  before(async () => {
    // A short job back-off keeps retries in seconds rather than Kubernetes' 10s, 20s, 40s...
    cluster = await startCluster({ env: { GIFEE_JOB_BACKOFF_MS: '300' } });
    kubelet = await startFakeKubelet(cluster.kubeconfig, ['node-a', 'node-b']);
  });
  after(async () => {
    await kubelet?.stop();
    await cluster?.stop();
  });

  const jobOf = (name: string, spec: Record<string, unknown>, command: string) => ({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name },
    spec: { ...spec, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'registry.local/busybox:1', command: ['sh', '-c', command] }] } } },
  });

  test('a Job runs its completions with parallelism and completes', async () => {
    await apply(jobOf('pi', { completions: 3, parallelism: 2 }, 'exit 0'));
    await k(['wait', '--for=condition=complete', 'job/pi', '--timeout=40s']);
    const job = await json(['get', 'job', 'pi']);
    assert.equal(job.status.succeeded, 3);
    assert.ok(job.status.completionTime);
    assert.ok(job.status.conditions.some((c: any) => c.type === 'SuccessCriteriaMet' && c.status === 'True'));
    const pods = await json(['get', 'pods', '-l', 'batch.kubernetes.io/job-name=pi']);
    assert.equal(pods.items.length, 3);
    for (const p of pods.items) {
      assert.equal(p.metadata.labels['batch.kubernetes.io/controller-uid'], job.metadata.uid);
      assert.deepEqual(p.metadata.finalizers ?? [], [], 'tracking finalizer released');
    }
    assert.match((await k(['get', 'job', 'pi'])).stdout, /pi\s+Complete\s+3\/3/);
  });

  test('an Indexed Job gives each pod its completion index', async () => {
    await apply(jobOf('indexed', { completions: 3, parallelism: 3, completionMode: 'Indexed' }, 'exit 0'));
    await k(['wait', '--for=condition=complete', 'job/indexed', '--timeout=40s']);
    const job = await json(['get', 'job', 'indexed']);
    assert.equal(job.status.completedIndexes, '0-2');
    const pods = await json(['get', 'pods', '-l', 'batch.kubernetes.io/job-name=indexed']);
    const indexes = pods.items.map((p: any) => p.metadata.annotations['batch.kubernetes.io/job-completion-index']).sort();
    assert.deepEqual(indexes, ['0', '1', '2']);
    assert.equal(pods.items.find((p: any) => p.metadata.annotations['batch.kubernetes.io/job-completion-index'] === '1').spec.hostname, 'indexed-1');
  });

  test('a Job fails after backoffLimit failed pods', async () => {
    await apply(jobOf('failing', { backoffLimit: 1 }, 'exit 1'));
    await k(['wait', '--for=condition=failed', 'job/failing', '--timeout=40s']);
    const job = await json(['get', 'job', 'failing']);
    assert.equal(job.status.failed, 2);
    const failed = job.status.conditions.find((c: any) => c.type === 'Failed');
    assert.equal(failed.reason, 'BackoffLimitExceeded');
    assert.equal(failed.message, 'Job has reached the specified backoff limit');
  });

  test('a Job past activeDeadlineSeconds fails with DeadlineExceeded and its pods are stopped', async () => {
    await apply(jobOf('slow', { activeDeadlineSeconds: 2 }, 'sleep 3600'));
    await k(['wait', '--for=condition=failed', 'job/slow', '--timeout=30s']);
    const job = await json(['get', 'job', 'slow']);
    assert.equal(job.status.conditions.find((c: any) => c.type === 'Failed').reason, 'DeadlineExceeded');
    await until('pods of the failed job gone', async () => (await json(['get', 'pods', '-l', 'batch.kubernetes.io/job-name=slow'])).items.length === 0);
  });

  test('a suspended Job runs no pods until resumed', async () => {
    await apply(jobOf('later', { suspend: true }, 'exit 0'));
    await until('Suspended condition', async () => (await json(['get', 'job', 'later'])).status?.conditions?.some((c: any) => c.type === 'Suspended' && c.status === 'True'));
    assert.equal((await json(['get', 'pods', '-l', 'batch.kubernetes.io/job-name=later'])).items.length, 0);
    await k(['patch', 'job', 'later', '--type=merge', '-p', '{"spec":{"suspend":false}}']);
    await k(['wait', '--for=condition=complete', 'job/later', '--timeout=30s']);
  });

  test('a finished Job is deleted after ttlSecondsAfterFinished, with its pods', async () => {
    await apply(jobOf('shortlived', { ttlSecondsAfterFinished: 1 }, 'exit 0'));
    await until('job deleted', async () => (await k(['get', 'job', 'shortlived', '--ignore-not-found', '-o', 'name'])).stdout.trim() === '');
    await until('its pods collected', async () => (await json(['get', 'pods', '-l', 'batch.kubernetes.io/job-name=shortlived'])).items.length === 0);
  });

  const sts = (name: string, spec: Record<string, unknown>, image = 'registry.local/web:1') => ({
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name },
    spec: {
      serviceName: name,
      selector: { matchLabels: { app: name } },
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      ...spec,
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image }] } },
    },
  });
  const podsOf = async (app: string) => (await json(['get', 'pods', '-l', `app=${app}`])).items as any[];
  const ready = (p: any) => (p.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');
  const claims = async () => ((await json(['get', 'pvc'])).items as any[]).map((c) => c.metadata.name).sort();

  test('a StatefulSet starts pods in order, each Ready before the next, with stable identity and claims', async () => {
    await apply(sts('web', { replicas: 3 }));
    // Watch the pods come up: at every moment they are web-0..web-m, and all but the newest are Ready.
    const end = Date.now() + 40_000;
    let seenAll = false;
    while (Date.now() < end && !seenAll) {
      const pods = (await podsOf('web')).filter((p) => !p.metadata.deletionTimestamp);
      const ords = pods.map((p) => Number(p.metadata.name.split('-').pop())).sort((a, b) => a - b);
      assert.deepEqual(
        ords,
        ords.map((_, i) => i),
        `pods form a prefix of ordinals: ${ords}`,
      );
      const newest = Math.max(...ords);
      for (const p of pods) if (Number(p.metadata.name.split('-').pop()) !== newest) assert.ok(ready(p), `${p.metadata.name} is Ready before a later ordinal exists`);
      seenAll = pods.length === 3 && pods.every(ready);
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(seenAll, 'three ready pods');
    assert.match((await k(['rollout', 'status', 'sts/web', '--timeout=30s'])).stdout, /roll out complete|partitioned roll out complete/);
    const pod = await json(['get', 'pod', 'web-1']);
    assert.equal(pod.spec.hostname, 'web-1');
    assert.equal(pod.spec.subdomain, 'web');
    assert.equal(pod.metadata.labels['statefulset.kubernetes.io/pod-name'], 'web-1');
    assert.equal(pod.metadata.labels['apps.kubernetes.io/pod-index'], '1');
    assert.equal(pod.spec.volumes.find((v: any) => v.name === 'data').persistentVolumeClaim.claimName, 'data-web-1');
    assert.deepEqual(await claims(), ['data-web-0', 'data-web-1', 'data-web-2']);
    const set = await json(['get', 'sts', 'web']);
    assert.equal(set.status.readyReplicas, 3);
    assert.equal(set.status.currentRevision, set.status.updateRevision);
    assert.equal(pod.metadata.labels['controller-revision-hash'], set.status.updateRevision);
  });

  test('scaling a StatefulSet down removes the highest ordinals and keeps their claims', async () => {
    await k(['scale', 'sts/web', '--replicas=1']);
    await until('one pod left', async () => (await podsOf('web')).map((p) => p.metadata.name).join() === 'web-0');
    assert.deepEqual(await claims(), ['data-web-0', 'data-web-1', 'data-web-2'], 'claims are retained');
    await k(['scale', 'sts/web', '--replicas=3']);
    await k(['rollout', 'status', 'sts/web', '--timeout=40s']);
  });

  test('a partitioned rolling update replaces only ordinals at or above the partition, highest first', async () => {
    await k(['patch', 'sts', 'web', '--type=merge', '-p', JSON.stringify({ spec: { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } } } })]);
    await k(['set', 'image', 'sts/web', 'web=registry.local/web:2']);
    assert.match((await k(['rollout', 'status', 'sts/web', '--timeout=40s'])).stdout, /partitioned roll out complete: 2 new pods have been updated/);
    const images = async () => Object.fromEntries((await podsOf('web')).map((p) => [p.metadata.name, p.spec.containers[0].image]));
    assert.deepEqual(await images(), { 'web-0': 'registry.local/web:1', 'web-1': 'registry.local/web:2', 'web-2': 'registry.local/web:2' });
    await k(['patch', 'sts', 'web', '--type=merge', '-p', JSON.stringify({ spec: { updateStrategy: { rollingUpdate: { partition: 0 } } } })]);
    await k(['rollout', 'status', 'sts/web', '--timeout=40s']);
    assert.deepEqual(await images(), { 'web-0': 'registry.local/web:2', 'web-1': 'registry.local/web:2', 'web-2': 'registry.local/web:2' });
    const set = await json(['get', 'sts', 'web']);
    assert.equal(set.status.currentRevision, set.status.updateRevision);
    assert.equal(set.status.updatedReplicas, 3);
    const revisions = await json(['get', 'controllerrevisions', '-l', 'app=web']);
    assert.equal(revisions.items.length, 2);
    assert.match((await k(['rollout', 'history', 'sts/web'])).stdout, /1\s+.*\n2\s+/);
  });

  test('a Parallel StatefulSet with whenScaled: Delete removes the claims of scaled-down pods', async () => {
    await apply(sts('par', { replicas: 3, podManagementPolicy: 'Parallel', persistentVolumeClaimRetentionPolicy: { whenScaled: 'Delete', whenDeleted: 'Retain' } }));
    await k(['rollout', 'status', 'sts/par', '--timeout=40s']);
    await k(['scale', 'sts/par', '--replicas=1']);
    await until('claims of par-1 and par-2 deleted', async () => (await claims()).filter((c) => c.startsWith('data-par-')).join() === 'data-par-0');
  });

  const ds = (name: string, podSpec: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => ({
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name },
    spec: { selector: { matchLabels: { app: name } }, ...extra, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'agent', image: 'registry.local/agent:1' }], ...podSpec } } },
  });
  const nodesOf = async (app: string) =>
    (await podsOf(app))
      .filter((p) => !p.metadata.deletionTimestamp)
      .map((p) => p.spec.nodeName ?? '?')
      .sort();

  test('a DaemonSet runs one pod per node, pinned by node affinity, with the automatic tolerations', async () => {
    await apply(ds('agent'));
    assert.match((await k(['rollout', 'status', 'ds/agent', '--timeout=40s'])).stdout, /successfully rolled out/);
    assert.deepEqual(await nodesOf('agent'), ['node-a', 'node-b']);
    const pod = (await podsOf('agent')).find((p) => p.spec.nodeName === 'node-b');
    assert.deepEqual(pod.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms, [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-b'] }] }]);
    const tolerated = pod.spec.tolerations.map((t: any) => `${t.key}:${t.effect}`);
    for (const t of ['node.kubernetes.io/not-ready:NoExecute', 'node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/disk-pressure:NoSchedule', 'node.kubernetes.io/memory-pressure:NoSchedule', 'node.kubernetes.io/pid-pressure:NoSchedule', 'node.kubernetes.io/unschedulable:NoSchedule'])
      assert.ok(tolerated.includes(t), t);
    const set = await json(['get', 'ds', 'agent']);
    assert.deepEqual([set.status.desiredNumberScheduled, set.status.currentNumberScheduled, set.status.numberReady, set.status.updatedNumberScheduled, set.status.numberAvailable, set.status.numberMisscheduled], [2, 2, 2, 2, 2, 0]);
  });

  test('a DaemonSet rolls out a new template within maxUnavailable, then with maxSurge', async () => {
    await k(['set', 'image', 'ds/agent', 'agent=registry.local/agent:2']);
    await k(['rollout', 'status', 'ds/agent', '--timeout=40s']);
    const images = async () => (await podsOf('agent')).filter((p) => !p.metadata.deletionTimestamp).map((p) => p.spec.containers[0].image);
    assert.deepEqual(await images(), ['registry.local/agent:2', 'registry.local/agent:2']);
    await k(['patch', 'ds', 'agent', '--type=merge', '-p', JSON.stringify({ spec: { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } } })]);
    await k(['set', 'image', 'ds/agent', 'agent=registry.local/agent:3']);
    await k(['rollout', 'status', 'ds/agent', '--timeout=40s']);
    await until('old pods gone', async () => (await images()).join() === 'registry.local/agent:3,registry.local/agent:3');
    assert.equal((await json(['get', 'controllerrevisions', '-l', 'app=agent'])).items.length, 3);
    await k(['rollout', 'undo', 'ds/agent', '--to-revision=1']);
    await k(['rollout', 'status', 'ds/agent', '--timeout=40s']);
    await until('rolled back to the first image', async () => (await images()).join() === 'registry.local/agent:1,registry.local/agent:1');
  });

  test('a DaemonSet follows nodeSelector and taints', async () => {
    await k(['label', 'node', 'node-a', 'disk=ssd']);
    await apply(ds('ssd', { nodeSelector: { disk: 'ssd' } }));
    await until('ssd daemon on node-a only', async () => (await nodesOf('ssd')).join() === 'node-a');
    await k(['label', 'node', 'node-a', 'disk-']);
    await until('ssd daemon removed when the label goes', async () => (await nodesOf('ssd')).length === 0);

    await k(['taint', 'node', 'node-b', 'dedicated=db:NoSchedule']);
    try {
      await apply(ds('picky'));
      await apply(ds('tolerant', { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' }] }));
      await until('tolerant daemon on both nodes', async () => (await nodesOf('tolerant')).join() === 'node-a,node-b');
      assert.deepEqual(await nodesOf('picky'), ['node-a']);
      assert.equal((await json(['get', 'ds', 'picky'])).status.desiredNumberScheduled, 1);
    } finally {
      await k(['taint', 'node', 'node-b', 'dedicated=db:NoSchedule-']);
    }
    await until('picky daemon on node-b once the taint is gone', async () => (await nodesOf('picky')).join() === 'node-a,node-b');
  });

  test('a CronJob creates its Job at the scheduled minute, tracks it and keeps its history', { timeout: 120_000 }, async () => {
    await apply({
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'tick' },
      spec: { schedule: '* * * * *', successfulJobsHistoryLimit: 1, jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'tick', image: 'registry.local/busybox:1', command: ['sh', '-c', 'exit 0'] }] } } } } },
    });
    // kubectl's client-side Job from a CronJob's template.
    await k(['create', 'job', '--from=cronjob/tick', 'tick-manual']);
    await k(['wait', '--for=condition=complete', 'job/tick-manual', '--timeout=30s']);
    // The next minute boundary is at most 60s away.
    await until('a scheduled job', async () => ((await json(['get', 'jobs'])).items as any[]).some((j) => /^tick-\d+$/.test(j.metadata.name)), 75_000);
    const job = ((await json(['get', 'jobs'])).items as any[]).find((j) => /^tick-\d+$/.test(j.metadata.name));
    const minutes = Number(job.metadata.name.split('-')[1]);
    assert.equal(job.metadata.annotations['batch.kubernetes.io/cronjob-scheduled-timestamp'], new Date(minutes * 60_000).toISOString().replace('.000Z', 'Z'));
    assert.equal(job.metadata.ownerReferences[0].kind, 'CronJob');
    await k(['wait', '--for=condition=complete', `job/${job.metadata.name}`, '--timeout=30s']);
    await until('lastSuccessfulTime and no active jobs', async () => {
      const cj = await json(['get', 'cronjob', 'tick']);
      return cj.status?.lastScheduleTime === new Date(minutes * 60_000).toISOString().replace('.000Z', 'Z') && !!cj.status.lastSuccessfulTime && !cj.status.active;
    });
    await k(['patch', 'cronjob', 'tick', '--type=merge', '-p', '{"spec":{"suspend":true}}']);
  });
});
