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
});
