// A STAND-IN for the node agent and the scheduler, for controller e2e tests only, until the real
// agent (src/agent) and scheduler (src/scheduler) land. It registers Nodes, renews their Leases in
// kube-node-lease (as the agent's heartbeat does), binds unbound pods (a pod whose nodeAffinity
// names a node with matchFields metadata.name goes there, as DaemonSet pods ask; any other goes
// round-robin to an untainted node), and plays the agent's part for pods on its nodes without
// running anything: a pod goes Running and Ready after `readyAfterMs`; a pod whose container
// command or args contain "exit N" terminates with that exit code instead (Succeeded for 0, Failed
// otherwise); a deleted pod is confirmed gone (delete with grace 0). `stopNode` stops one node's
// heartbeat and pod handling, as if its agent had died.

import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { R } from '../../src/client/resources.js';
import { isConflict, isNotFound, RestClient } from '../../src/client/rest.js';

export interface FakeKubelet {
  client: RestClient;
  stopNode(name: string): void;
  startNode(name: string): void;
  stop(): Promise<void>;
}

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const micro = () => new Date().toISOString().replace('Z', '000Z');

export function clientFromKubeconfig(path: string): RestClient {
  const kc = parse(readFileSync(path, 'utf8'));
  const user = kc.users[0].user;
  const cluster = kc.clusters[0].cluster;
  const b = (s: string) => Buffer.from(s, 'base64').toString('utf8');
  return new RestClient({ server: cluster.server, ca: b(cluster['certificate-authority-data']), cert: b(user['client-certificate-data']), key: b(user['client-key-data']), userAgent: 'fake-kubelet' });
}

export async function startFakeKubelet(kubeconfig: string, nodes: string[], opts: { readyAfterMs?: number; leaseEveryMs?: number; nodeLabels?: Record<string, Record<string, string>> } = {}): Promise<FakeKubelet> {
  const client = clientFromKubeconfig(kubeconfig);
  const readyAfter = opts.readyAfterMs ?? 300;
  const stopped = new Set<string>();
  const firstSeen = new Map<string, number>();
  let running = true;
  for (const name of nodes) {
    await client
      .create(R.nodes, undefined, {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name, labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', ...(opts.nodeLabels?.[name] ?? {}) } },
        spec: {},
      })
      .catch((e) => {
        if (!isConflict(e)) throw e;
      });
    await client.patch(
      R.nodes,
      undefined,
      name,
      { status: { capacity: { cpu: '4', memory: '8Gi', pods: '110' }, allocatable: { cpu: '4', memory: '8Gi', pods: '110' }, conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: now(), lastTransitionTime: now() }] } },
      'merge',
      'status',
    );
  }

  const renewLeases = async () => {
    for (const name of nodes) {
      if (stopped.has(name)) continue;
      // As the agent's node status sync does: a node marked otherwise is reported Ready again.
      const node = await client.get(R.nodes, undefined, name).catch(() => undefined);
      const ready = ((node?.status as any)?.conditions ?? []).find((c: any) => c.type === 'Ready');
      if (node && ready?.status !== 'True') await client.patch(R.nodes, undefined, name, { status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: now(), lastTransitionTime: now() }] } }, 'merge', 'status').catch(() => undefined);
      const lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: 'kube-node-lease' }, spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: micro() } };
      await client.patch(R.leases, 'kube-node-lease', name, { spec: { renewTime: micro() } }).catch(async (e) => {
        if (isNotFound(e)) await client.create(R.leases, 'kube-node-lease', lease).catch(() => undefined);
      });
    }
  };

  const schedulable = async (): Promise<string[]> => {
    const list = await client.list(R.nodes);
    return list.items.filter((n) => nodes.includes(n.metadata!.name!) && !stopped.has(n.metadata!.name!) && !((n.spec as { taints?: unknown[] })?.taints ?? []).length && !(n.spec as { unschedulable?: boolean }).unschedulable).map((n) => n.metadata!.name!);
  };

  let rr = 0;
  const tick = async () => {
    const pods = (await client.list(R.pods)).items;
    const free = pods.some((p) => !(p.spec as { nodeName?: string }).nodeName) ? await schedulable() : [];
    for (const pod of pods) {
      const spec = pod.spec as { nodeName?: string; affinity?: any; containers: { name: string; command?: string[]; args?: string[] }[] };
      const ns = pod.metadata!.namespace!;
      const name = pod.metadata!.name!;
      if (!spec.nodeName) {
        if (pod.metadata?.deletionTimestamp) continue;
        const wanted = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms?.[0]?.matchFields?.find((f: any) => f.key === 'metadata.name')?.values?.[0];
        const target = wanted ?? (free.length ? free[rr++ % free.length] : undefined);
        if (!target || (wanted && stopped.has(wanted))) continue;
        await client.request('POST', `/api/v1/namespaces/${ns}/pods/${name}/binding`, { apiVersion: 'v1', kind: 'Binding', metadata: { name }, target: { kind: 'Node', name: target } }).catch(() => undefined);
        continue;
      }
      if (!nodes.includes(spec.nodeName) || stopped.has(spec.nodeName)) continue;
      const phase = (pod.status as { phase?: string })?.phase;
      if (pod.metadata?.deletionTimestamp) {
        await client.delete(R.pods, ns, name, { gracePeriodSeconds: 0 }).catch(() => undefined);
        continue;
      }
      if (phase === 'Succeeded' || phase === 'Failed') continue;
      const uid = pod.metadata!.uid!;
      if (!firstSeen.has(uid)) firstSeen.set(uid, Date.now());
      if (Date.now() - firstSeen.get(uid)! < readyAfter) {
        if (phase !== 'Running') await client.patch(R.pods, ns, name, { status: { phase: 'Running', hostIP: '127.0.0.1', podIP: '127.0.0.1', startTime: now(), conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: now() }] } }, 'merge', 'status').catch(() => undefined);
        continue;
      }
      const exit = spec.containers.map((c) => [...(c.command ?? []), ...(c.args ?? [])].join(' ').match(/exit (\d+)/)).find(Boolean);
      if (exit) {
        const code = Number(exit[1]);
        await client
          .patch(
            R.pods,
            ns,
            name,
            {
              status: {
                phase: code === 0 ? 'Succeeded' : 'Failed',
                conditions: [{ type: 'Ready', status: 'False', reason: 'PodCompleted', lastTransitionTime: now() }],
                containerStatuses: spec.containers.map((c) => ({ name: c.name, image: 'fake', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: code, reason: code === 0 ? 'Completed' : 'Error', startedAt: now(), finishedAt: now() } } })),
              },
            },
            'merge',
            'status',
          )
          .catch(() => undefined);
      } else if (!((pod.status as any)?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True')) {
        await client
          .patch(
            R.pods,
            ns,
            name,
            { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now() }], containerStatuses: spec.containers.map((c) => ({ name: c.name, image: 'fake', imageID: '', ready: true, started: true, restartCount: 0, state: { running: { startedAt: now() } } })) } },
            'merge',
            'status',
          )
          .catch(() => undefined);
      }
    }
  };

  const leaseTimer = setInterval(() => void renewLeases().catch(() => undefined), opts.leaseEveryMs ?? 1000);
  await renewLeases();
  const loop = (async () => {
    while (running) {
      await tick().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 150));
    }
  })();

  return {
    client,
    stopNode: (n) => stopped.add(n),
    startNode: (n) => stopped.delete(n),
    async stop() {
      running = false;
      clearInterval(leaseTimer);
      await loop;
      client.close();
    },
  };
}
