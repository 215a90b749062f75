import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultPullPolicy, imageTag } from './pod-defaults.js';
import { cronJob } from './cronjob.js';
import { daemonSet } from './daemonset.js';
import { deployment } from './deployment.js';
import { job } from './job.js';
import { pod } from './pod.js';
import { replicaSet } from './replicaset.js';
import { statefulSet } from './statefulset.js';
import { admit } from './testing.js';

const podSpec = (extra: Record<string, unknown> = {}) => ({ containers: [{ name: 'app', image: 'nginx:1.27' }], ...extra });
const template = (extra: Record<string, unknown> = {}) => ({ metadata: { labels: { app: 'a' } }, spec: podSpec(extra) });

describe('image pull policy', () => {
  it('is Always for latest or untagged images, IfNotPresent otherwise', () => {
    assert.equal(defaultPullPolicy('nginx'), 'Always');
    assert.equal(defaultPullPolicy('nginx:latest'), 'Always');
    assert.equal(defaultPullPolicy('localhost:5000/app'), 'Always');
    assert.equal(defaultPullPolicy('localhost:5000/app:v2'), 'IfNotPresent');
    assert.equal(defaultPullPolicy('nginx@sha256:abcd'), 'IfNotPresent');
    assert.equal(defaultPullPolicy('nginx:1.27@sha256:abcd'), 'IfNotPresent');
    assert.equal(imageTag('registry.example:443/team/app:1.0'), '1.0');
  });
});

describe('pod defaults', () => {
  it('fills the PodSpec, container and probe defaults', () => {
    const { obj, errors } = admit(pod, {
      metadata: { name: 'p' },
      spec: podSpec({
        containers: [
          {
            name: 'app',
            image: 'nginx',
            ports: [{ containerPort: 80 }],
            livenessProbe: { httpGet: { port: 80 }, periodSeconds: 0 },
            resources: { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '500m' } },
          },
        ],
        volumes: [{ name: 'scratch' }, { name: 'cfg', configMap: { name: 'c' } }, { name: 'tok', projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } }],
      }),
    });
    assert.deepEqual(errors, []);
    const spec = obj.spec as Record<string, any>;
    assert.equal(spec.restartPolicy, 'Always');
    assert.equal(spec.dnsPolicy, 'ClusterFirst');
    assert.equal(spec.terminationGracePeriodSeconds, 30);
    assert.equal(spec.schedulerName, 'default-scheduler');
    assert.deepEqual(spec.securityContext, {});
    assert.equal(spec.enableServiceLinks, true);
    const c = spec.containers[0];
    assert.equal(c.imagePullPolicy, 'Always');
    assert.equal(c.terminationMessagePath, '/dev/termination-log');
    assert.equal(c.terminationMessagePolicy, 'File');
    assert.equal(c.ports[0].protocol, 'TCP');
    assert.deepEqual(c.livenessProbe, { httpGet: { port: 80, path: '/', scheme: 'HTTP' }, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 });
    assert.deepEqual(c.resources.requests, { cpu: '500m', memory: '1Gi' }, 'requests default to limits, pod only');
    assert.deepEqual(spec.volumes[0], { name: 'scratch', emptyDir: {} });
    assert.equal(spec.volumes[1].configMap.defaultMode, 420);
    assert.equal(spec.volumes[2].projected.defaultMode, 420);
    assert.equal(spec.volumes[2].projected.sources[0].serviceAccountToken.expirationSeconds, 3600);
  });

  it('mirrors container ports to host ports on the host network', () => {
    const { obj } = admit(pod, { metadata: { name: 'p' }, spec: podSpec({ hostNetwork: true, containers: [{ name: 'a', image: 'x:1', ports: [{ containerPort: 9100 }] }] }) });
    assert.equal((obj.spec as any).containers[0].ports[0].hostPort, 9100);
  });

  it('keeps serviceAccount and serviceAccountName equal', () => {
    const { obj } = admit(pod, { metadata: { name: 'p' }, spec: podSpec({ serviceAccount: 'builder' }) });
    assert.equal((obj.spec as any).serviceAccountName, 'builder');
    assert.equal((obj.spec as any).serviceAccount, 'builder');
  });
});

describe('workload defaults', () => {
  it('Deployment: replicas, rolling update 25%/25%, history, deadline; template defaults but no pod-only ones', () => {
    const { obj, errors } = admit(deployment, { metadata: { name: 'd' }, spec: { selector: { matchLabels: { app: 'a' } }, template: template({ containers: [{ name: 'c', image: 'x:1', resources: { limits: { cpu: '1' } } }] }) } });
    assert.deepEqual(errors, []);
    const spec = obj.spec as Record<string, any>;
    assert.equal(spec.replicas, 1);
    assert.deepEqual(spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
    assert.equal(spec.revisionHistoryLimit, 10);
    assert.equal(spec.progressDeadlineSeconds, 600);
    assert.equal(spec.template.spec.restartPolicy, 'Always');
    assert.equal(spec.template.spec.containers[0].imagePullPolicy, 'IfNotPresent');
    assert.equal(spec.template.spec.enableServiceLinks, undefined);
    assert.equal(spec.template.spec.containers[0].resources.requests, undefined);
  });

  it('Deployment with Recreate gets no rollingUpdate', () => {
    const { obj } = admit(deployment, { metadata: { name: 'd' }, spec: { strategy: { type: 'Recreate' }, selector: { matchLabels: { app: 'a' } }, template: template() } });
    assert.deepEqual((obj.spec as any).strategy, { type: 'Recreate' });
  });

  it('ReplicaSet replicas', () => {
    const { obj } = admit(replicaSet, { metadata: { name: 'r' }, spec: { selector: { matchLabels: { app: 'a' } }, template: template() } });
    assert.equal((obj.spec as any).replicas, 1);
  });

  it('StatefulSet: policies, update strategy, retention, claim templates', () => {
    const { obj, errors } = admit(statefulSet, {
      metadata: { name: 's' },
      spec: { serviceName: 's', selector: { matchLabels: { app: 'a' } }, template: template(), volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }] },
    });
    assert.deepEqual(errors, []);
    const spec = obj.spec as Record<string, any>;
    assert.equal(spec.podManagementPolicy, 'OrderedReady');
    assert.deepEqual(spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
    assert.deepEqual(spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: 'Retain', whenScaled: 'Retain' });
    assert.equal(spec.replicas, 1);
    assert.equal(spec.revisionHistoryLimit, 10);
    const vct = spec.volumeClaimTemplates[0];
    assert.equal(vct.apiVersion, 'v1');
    assert.equal(vct.kind, 'PersistentVolumeClaim');
    assert.equal(vct.spec.volumeMode, 'Filesystem');
    assert.deepEqual(vct.status, { phase: 'Pending' });
  });

  it('DaemonSet: rolling update 1/0 and history', () => {
    const { obj } = admit(daemonSet, { metadata: { name: 'ds' }, spec: { selector: { matchLabels: { app: 'a' } }, template: template() } });
    assert.deepEqual((obj.spec as any).updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
    assert.equal((obj.spec as any).revisionHistoryLimit, 10);
  });

  it('Job: completions, parallelism, backoff, mode, generated selector and labels', () => {
    const { obj, errors } = admit(job, { metadata: { name: 'pi' }, spec: { template: { spec: podSpec({ restartPolicy: 'Never' }) } } });
    assert.deepEqual(errors, []);
    const spec = obj.spec as Record<string, any>;
    assert.equal(spec.completions, 1);
    assert.equal(spec.parallelism, 1);
    assert.equal(spec.backoffLimit, 6);
    assert.equal(spec.completionMode, 'NonIndexed');
    assert.equal(spec.suspend, false);
    assert.equal(spec.podReplacementPolicy, 'TerminatingOrFailed');
    const uid = obj.metadata!.uid!;
    assert.deepEqual(spec.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } });
    assert.equal(spec.template.metadata.labels['batch.kubernetes.io/job-name'], 'pi');
    assert.equal(spec.template.metadata.labels['job-name'], 'pi');
    assert.equal(obj.metadata!.labels!['controller-uid'], uid);
  });

  it('Job: per-index backoff makes backoffLimit unlimited; a failure policy replaces only failed pods', () => {
    const { obj } = admit(job, {
      metadata: { name: 'idx' },
      spec: {
        completionMode: 'Indexed',
        completions: 3,
        backoffLimitPerIndex: 1,
        podFailurePolicy: { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] }] },
        template: { spec: podSpec({ restartPolicy: 'Never' }) },
      },
    });
    const spec = obj.spec as Record<string, any>;
    assert.equal(spec.backoffLimit, 2147483647);
    assert.equal(spec.parallelism, 1);
    assert.equal(spec.podReplacementPolicy, 'Failed');
    assert.equal(spec.podFailurePolicy.rules[0].onPodConditions[0].status, 'True');
  });

  it('CronJob: policy, suspend, history limits; job template pod defaults only', () => {
    const { obj, errors } = admit(cronJob, { metadata: { name: 'cj' }, spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template: { spec: podSpec({ restartPolicy: 'OnFailure' }) } } } } });
    assert.deepEqual(errors, []);
    const spec = obj.spec as Record<string, any>;
    assert.equal(spec.concurrencyPolicy, 'Allow');
    assert.equal(spec.suspend, false);
    assert.equal(spec.successfulJobsHistoryLimit, 3);
    assert.equal(spec.failedJobsHistoryLimit, 1);
    assert.equal(spec.jobTemplate.spec.backoffLimit, undefined);
    assert.equal(spec.jobTemplate.spec.template.spec.dnsPolicy, 'ClusterFirst');
  });
});
