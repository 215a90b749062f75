// Realistic manifests, using as many v1.32 fields as real charts do, must pass strict unknown-field
// validation, defaulting and validation with no errors.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import YAML from 'yaml';
import type { KObject } from '../../kind.js';
import { workloadKinds } from './index.js';
import { admit, messages } from './testing.js';

const POD_SPEC = `
      serviceAccountName: web
      automountServiceAccountToken: false
      priorityClassName: high
      preemptionPolicy: PreemptLowerPriority
      runtimeClassName: runc
      enableServiceLinks: false
      shareProcessNamespace: true
      setHostnameAsFQDN: false
      hostUsers: true
      terminationGracePeriodSeconds: 45
      dnsPolicy: ClusterFirst
      dnsConfig:
        nameservers: [1.1.1.1]
        searches: [svc.example]
        options: [{name: ndots, value: "2"}, {name: edns0}]
      hostAliases: [{ip: 10.0.0.9, hostnames: [db.local]}]
      imagePullSecrets: [{name: regcred}]
      nodeSelector: {kubernetes.io/os: linux}
      os: {name: linux}
      readinessGates: [{conditionType: example.com/ready}]
      resourceClaims: [{name: gpu, resourceClaimTemplateName: gpu-template}]
      securityContext:
        runAsUser: 1000
        runAsGroup: 1000
        runAsNonRoot: true
        fsGroup: 2000
        fsGroupChangePolicy: OnRootMismatch
        supplementalGroups: [3000]
        supplementalGroupsPolicy: Merge
        seLinuxChangePolicy: MountOption
        seccompProfile: {type: RuntimeDefault}
        appArmorProfile: {type: RuntimeDefault}
        sysctls: [{name: net.core.somaxconn, value: "1024"}]
        seLinuxOptions: {level: "s0:c123,c456"}
      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
            - matchExpressions: [{key: topology.kubernetes.io/zone, operator: In, values: [a, b]}]
              matchFields: [{key: metadata.name, operator: NotIn, values: [bad-node]}]
          preferredDuringSchedulingIgnoredDuringExecution:
          - weight: 10
            preference: {matchExpressions: [{key: disktype, operator: Exists}]}
        podAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
          - weight: 50
            podAffinityTerm:
              labelSelector: {matchLabels: {app: cache}}
              topologyKey: kubernetes.io/hostname
              namespaceSelector: {}
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
          - labelSelector: {matchLabels: {app: web}}
            topologyKey: kubernetes.io/hostname
            matchLabelKeys: [pod-template-hash]
            namespaces: [default]
      tolerations:
      - {key: dedicated, operator: Equal, value: web, effect: NoSchedule}
      - {key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute, tolerationSeconds: 300}
      topologySpreadConstraints:
      - maxSkew: 1
        topologyKey: topology.kubernetes.io/zone
        whenUnsatisfiable: DoNotSchedule
        labelSelector: {matchLabels: {app: web}}
        minDomains: 2
        nodeAffinityPolicy: Honor
        nodeTaintsPolicy: Ignore
        matchLabelKeys: [pod-template-hash]
      initContainers:
      - name: migrate
        image: registry.example/web:1.4.2
        command: [/bin/migrate]
        args: [--to=latest]
        envFrom: [{configMapRef: {name: web-config}}, {secretRef: {name: web-secret, optional: true}, prefix: SECRET_}]
      - name: proxy
        image: envoyproxy/envoy:v1.31.0
        restartPolicy: Always
        startupProbe: {grpc: {port: 9901, service: health}, failureThreshold: 30, periodSeconds: 2}
        readinessProbe: {tcpSocket: {port: 9901}}
      containers:
      - name: web
        image: registry.example/web:1.4.2
        imagePullPolicy: IfNotPresent
        workingDir: /app
        stdin: false
        tty: false
        ports:
        - {name: http, containerPort: 8080, protocol: TCP}
        - {name: metrics, containerPort: 9090}
        env:
        - {name: MODE, value: production}
        - name: POD_NAME
          valueFrom: {fieldRef: {fieldPath: metadata.name}}
        - name: POD_IP
          valueFrom: {fieldRef: {apiVersion: v1, fieldPath: status.podIP}}
        - name: MEM_LIMIT
          valueFrom: {resourceFieldRef: {containerName: web, resource: limits.memory, divisor: 1Mi}}
        - name: DB_URL
          valueFrom: {secretKeyRef: {name: db, key: url, optional: false}}
        - name: FLAG
          valueFrom: {configMapKeyRef: {name: flags, key: flag}}
        resources:
          requests: {cpu: 250m, memory: 256Mi, ephemeral-storage: 1Gi}
          limits: {cpu: "1", memory: 512Mi}
          claims: [{name: gpu}]
        resizePolicy: [{resourceName: cpu, restartPolicy: NotRequired}]
        livenessProbe:
          httpGet: {path: /livez, port: http, scheme: HTTP, httpHeaders: [{name: X-Probe, value: live}]}
          initialDelaySeconds: 10
          periodSeconds: 20
          timeoutSeconds: 2
          failureThreshold: 3
          terminationGracePeriodSeconds: 10
        readinessProbe:
          exec: {command: [cat, /tmp/ready]}
          successThreshold: 2
        lifecycle:
          postStart: {httpGet: {path: /started, port: 8080}}
          preStop: {sleep: {seconds: 5}}
        securityContext:
          allowPrivilegeEscalation: false
          readOnlyRootFilesystem: true
          privileged: false
          procMount: Default
          capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}
          seccompProfile: {type: Localhost, localhostProfile: profiles/web.json}
        terminationMessagePolicy: FallbackToLogsOnError
        volumeMounts:
        - {name: config, mountPath: /etc/web, readOnly: true, recursiveReadOnly: IfPossible}
        - {name: cache, mountPath: /cache, subPathExpr: $(POD_NAME)}
        - {name: tokens, mountPath: /var/run/secrets/tokens}
        - {name: podinfo, mountPath: /etc/podinfo}
        - {name: scratch, mountPath: /scratch, mountPropagation: None}
        - {name: assets, mountPath: /assets}
        - {name: host, mountPath: /host, subPath: logs}
        - {name: nfs, mountPath: /nfs}
        - {name: inline, mountPath: /inline}
        - {name: creds, mountPath: /creds}
        volumeDevices: [{name: raw, devicePath: /dev/xvda}]
      volumes:
      - name: config
        configMap: {name: web-config, defaultMode: 0o440, items: [{key: app.yaml, path: app.yaml, mode: 0o400}], optional: false}
      - name: creds
        secret: {secretName: web-secret, defaultMode: 256}
      - name: cache
        emptyDir: {medium: Memory, sizeLimit: 64Mi}
      - name: tokens
        projected:
          defaultMode: 420
          sources:
          - serviceAccountToken: {audience: vault, expirationSeconds: 7200, path: vault-token}
          - configMap: {name: kube-root-ca.crt, items: [{key: ca.crt, path: ca.crt}]}
          - downwardAPI: {items: [{path: namespace, fieldRef: {fieldPath: metadata.namespace}}]}
          - secret: {name: extra, optional: true}
          - clusterTrustBundle: {signerName: example.com/signer, labelSelector: {matchLabels: {trust: "yes"}}, path: bundle.pem, optional: true}
      - name: podinfo
        downwardAPI:
          items:
          - {path: labels, fieldRef: {fieldPath: metadata.labels}}
          - {path: cpu, resourceFieldRef: {containerName: web, resource: requests.cpu, divisor: 1m}}
      - name: scratch
        ephemeral:
          volumeClaimTemplate:
            metadata: {labels: {type: scratch}}
            spec: {accessModes: [ReadWriteOnce], storageClassName: fast, resources: {requests: {storage: 1Gi}}}
      - name: raw
        persistentVolumeClaim: {claimName: raw-disk, readOnly: false}
      - name: assets
        image: {reference: registry.example/assets:v3, pullPolicy: IfNotPresent}
      - name: host
        hostPath: {path: /var/log, type: Directory}
      - name: nfs
        nfs: {server: nfs.example, path: /exports/web, readOnly: true}
      - name: inline
        csi: {driver: secrets-store.csi.k8s.io, readOnly: true, volumeAttributes: {secretProviderClass: web}, nodePublishSecretRef: {name: csi-creds}}
`;

const indent = (s: string, by: number) => s.replace(/^ {6}/gm, ' '.repeat(by));

const MANIFESTS = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}, annotations: {deployment.kubernetes.io/revision: "3"}}
spec:
  replicas: 3
  revisionHistoryLimit: 5
  progressDeadlineSeconds: 300
  minReadySeconds: 5
  paused: false
  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}
  selector: {matchLabels: {app: web}, matchExpressions: [{key: tier, operator: NotIn, values: [db]}]}
  template:
    metadata: {labels: {app: web}, annotations: {prometheus.io/scrape: "true"}}
    spec:${indent(POD_SPEC, 6)}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 3
  podManagementPolicy: Parallel
  minReadySeconds: 10
  revisionHistoryLimit: 3
  ordinals: {start: 1}
  persistentVolumeClaimRetentionPolicy: {whenDeleted: Delete, whenScaled: Retain}
  updateStrategy: {type: RollingUpdate, rollingUpdate: {partition: 1, maxUnavailable: 1}}
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers:
      - name: postgres
        image: postgres:16
        ports: [{name: pg, containerPort: 5432}]
        volumeMounts: [{name: data, mountPath: /var/lib/postgresql/data}]
  volumeClaimTemplates:
  - apiVersion: v1
    kind: PersistentVolumeClaim
    metadata: {name: data, labels: {app: db}, annotations: {backup: daily}}
    spec:
      accessModes: [ReadWriteOnce]
      storageClassName: standard
      volumeMode: Filesystem
      volumeAttributesClassName: gold
      selector: {matchLabels: {tier: db}}
      dataSourceRef: {apiGroup: snapshot.storage.k8s.io, kind: VolumeSnapshot, name: snap-1}
      resources: {requests: {storage: 10Gi}, limits: {storage: 20Gi}}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: node-agent}
spec:
  minReadySeconds: 0
  revisionHistoryLimit: 10
  updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 10%, maxSurge: 0}}
  selector: {matchLabels: {app: node-agent}}
  template:
    metadata: {labels: {app: node-agent}}
    spec:
      hostNetwork: true
      hostPID: true
      dnsPolicy: ClusterFirstWithHostNet
      priorityClassName: system-node-critical
      tolerations: [{operator: Exists}]
      containers:
      - name: agent
        image: registry.example/agent:2
        ports: [{containerPort: 9100, hostPort: 9100, hostIP: 0.0.0.0, name: metrics}]
        securityContext: {privileged: true, windowsOptions: {hostProcess: false}}
        volumeMounts: [{name: root, mountPath: /host, readOnly: true, mountPropagation: HostToContainer}]
      volumes: [{name: root, hostPath: {path: /}}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: batch-index}
spec:
  completionMode: Indexed
  completions: 10
  parallelism: 3
  backoffLimitPerIndex: 1
  maxFailedIndexes: 5
  activeDeadlineSeconds: 3600
  ttlSecondsAfterFinished: 600
  suspend: false
  podReplacementPolicy: Failed
  managedBy: kubernetes.io/job-controller
  successPolicy: {rules: [{succeededIndexes: "0,2-4", succeededCount: 2}]}
  podFailurePolicy:
    rules:
    - action: FailJob
      onExitCodes: {containerName: work, operator: In, values: [42, 43]}
    - action: Ignore
      onPodConditions: [{type: DisruptionTarget, status: "True"}]
    - action: FailIndex
      onExitCodes: {operator: NotIn, values: [0]}
    - action: Count
      onPodConditions: [{type: ConfigIssue}]
  template:
    metadata: {annotations: {sidecar.istio.io/inject: "false"}}
    spec:
      restartPolicy: Never
      containers:
      - name: work
        image: registry.example/work:1
        args: [--index=$(JOB_COMPLETION_INDEX)]
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: report}
spec:
  schedule: "15 3 * * 1-5"
  timeZone: America/New_York
  startingDeadlineSeconds: 200
  concurrencyPolicy: Forbid
  suspend: false
  successfulJobsHistoryLimit: 5
  failedJobsHistoryLimit: 2
  jobTemplate:
    metadata: {labels: {app: report}}
    spec:
      backoffLimit: 2
      ttlSecondsAfterFinished: 86400
      template:
        spec:
          restartPolicy: OnFailure
          containers:
          - {name: report, image: registry.example/report:7, command: [/report, --daily]}
---
apiVersion: v1
kind: Pod
metadata: {name: web-standalone, labels: {app: web}}
spec:${indent(`${POD_SPEC}      schedulingGates: [{name: example.com/quota}]\n      activeDeadlineSeconds: 7200\n`, 2)}---
apiVersion: v1
kind: PodTemplate
metadata: {name: web-template}
template:
  metadata: {labels: {app: web}}
  spec:${indent(POD_SPEC, 4)}
`;

const docs = (): KObject[] => YAML.parseAllDocuments(MANIFESTS).map((d) => d.toJSON() as KObject);

describe('realistic manifests', () => {
  it('parse into every workload kind', () => {
    assert.deepEqual(
      docs().map((d) => d.kind),
      ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob', 'Pod', 'PodTemplate'],
    );
  });

  for (const doc of docs()) {
    it(`${doc.kind} ${doc.metadata?.name}: no unknown fields, no validation errors`, () => {
      const def = workloadKinds.find((k) => k.kind === doc.kind)!;
      const { unknownFields, errors } = admit(def, doc);
      assert.deepEqual(unknownFields, []);
      // The image volume's source is behind ImageVolume, a gate 1.32 has off: dropped on create,
      // which leaves that volume without a source, as a 1.32 API server answers.
      const root = { Pod: 'spec', PodTemplate: 'template.spec', Deployment: 'spec.template.spec' }[doc.kind as string];
      assert.deepEqual(messages(errors), root ? [`${root}.volumes[7]: Required value: must specify a volume type`] : []);
    });
  }

  it('a pod status as a node agent writes it is fully declared', () => {
    const def = workloadKinds.find((k) => k.kind === 'Pod')!;
    const status = YAML.parse(`
phase: Running
qosClass: Burstable
hostIP: 192.168.1.10
hostIPs: [{ip: 192.168.1.10}]
podIP: 10.244.1.7
podIPs: [{ip: 10.244.1.7}, {ip: "fd00::7"}]
startTime: "2024-05-01T10:00:00Z"
nominatedNodeName: n2
resize: InProgress
resourceClaimStatuses: [{name: gpu, resourceClaimName: web-gpu-x7k2}]
conditions:
- {type: PodReadyToStartContainers, status: "True", lastTransitionTime: "2024-05-01T10:00:01Z"}
- {type: Ready, status: "False", reason: ContainersNotReady, message: "containers with unready status: [web]", lastProbeTime: null, lastTransitionTime: "2024-05-01T10:00:05Z"}
initContainerStatuses:
- name: migrate
  image: registry.example/web:1.4.2
  imageID: registry.example/web@sha256:abc
  containerID: containerd://123
  ready: true
  restartCount: 0
  started: false
  state: {terminated: {exitCode: 0, reason: Completed, startedAt: "2024-05-01T10:00:02Z", finishedAt: "2024-05-01T10:00:03Z", containerID: "containerd://123"}}
containerStatuses:
- name: web
  image: registry.example/web:1.4.2
  imageID: registry.example/web@sha256:abc
  containerID: containerd://456
  ready: false
  started: true
  restartCount: 2
  state: {running: {startedAt: "2024-05-01T10:01:00Z"}}
  lastState: {terminated: {exitCode: 137, signal: 9, reason: OOMKilled, message: killed, startedAt: "2024-05-01T10:00:04Z", finishedAt: "2024-05-01T10:00:59Z"}}
  allocatedResources: {cpu: 250m, memory: 256Mi}
  resources: {requests: {cpu: 250m}, limits: {memory: 512Mi}}
  volumeMounts: [{name: config, mountPath: /etc/web, readOnly: true, recursiveReadOnly: Enabled}]
  user: {linux: {uid: 1000, gid: 1000, supplementalGroups: [1000, 3000]}}
  allocatedResourcesStatus: [{name: "claim:gpu", resources: [{resourceID: gpu-0, health: Healthy}]}]
ephemeralContainerStatuses:
- {name: debug, image: busybox, imageID: "", ready: false, restartCount: 0, state: {waiting: {reason: ContainerCreating, message: pulling}}}
`);
    const obj: KObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'web', image: 'x' }] }, status };
    const { unknownFields, errors } = admit(def, obj);
    assert.deepEqual(unknownFields, []);
    assert.deepEqual(messages(errors), []);
  });

  it('names unknown fields the way strict decoding does', () => {
    const def = workloadKinds.find((k) => k.kind === 'Deployment')!;
    const d = docs()[0];
    (d.spec as any).template.spec.containers[0].imagePolicy = 'Always';
    (d.spec as any).replica = 2;
    assert.deepEqual(admit(def, d).unknownFields.sort(), ['spec.replica', 'spec.template.spec.containers[0].imagePolicy']);
  });
});
