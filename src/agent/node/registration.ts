// Registers this machine as a Node and keeps it alive: capacity and addresses in node status, a
// Lease in kube-node-lease renewed every quarter of its duration (10 s of 40 s, as the kubelet; what
// the node lifecycle controller watches), and the Ready/pressure conditions refreshed periodically.
// Also follows the Node for its pod CIDR, and posts its status again at once when the Node says it
// is not Ready while this agent runs (the controller marked it Unknown after missed heartbeats): the
// kubelet's status loop repairs that within its 10 s period, this agent within one watch event.

import type { Node } from '../../api/core/index.js';
import { rfc3339, rfc3339Micro } from '../../util/time.js';
import { ifMissing, logFailure } from '../../util/best-effort.js';
import { statfs } from 'node:fs/promises';
import os from 'node:os';
import type { KObject } from '../../api/kind.js';
import { LABEL_ARCH, LABEL_ARCH_BETA, LABEL_HOSTNAME, LABEL_OS, LABEL_OS_BETA } from '../../api/well-known.js';
import { informerScope, type InformerFactory, type InformerScope } from '../../client/informer-factory.js';
import { R } from '../../client/resources.js';
import { Backoff } from '../../client/backoff.js';
import { isConflict, isNotFound, type RestClient, StatusError } from '../../client/rest.js';
import type { Logger } from '../../util/log.js';
import { bootID, goArch, nodeInfo } from './node-info.js';
import { pressureConditions, type NodeCondition } from '../eviction/pressure.js';
import type { PressureCondition } from '../eviction/thresholds.js';

export interface NodeOptions {
  /** The process's shared informers; without them this component keeps its own. */
  informers?: InformerFactory;
  nodeName: string;
  nodeIP: string;
  /** The agent's stream server port (status.daemonEndpoints.kubeletEndpoint.Port). */
  port: number;
  dataDir: string;
  runtime: string;
  labels?: Record<string, string>;
  maxPods?: number;
  leaseSeconds?: number;
  onPodCIDR(cidr: string | undefined): void;
}

/** The longest wait between registration attempts (the kubelet's is 7 s too). */
const REGISTER_MAX_BACKOFF_MS = 7_000;

/**
 * Whether a failed registration step may work when tried again: a connection or timeout failure, a
 * 5xx, 408 or 429. Other answers of the server (401, 403, 422...) and the program's own errors will not.
 */
export function mayPass(e: unknown): boolean {
  if (e instanceof StatusError) return e.code >= 500 || e.code === 408 || e.code === 429;
  return !(e instanceof TypeError || e instanceof RangeError || e instanceof SyntaxError || e instanceof ReferenceError);
}

const microTime = () => rfc3339Micro();
const time = () => rfc3339();

export class NodeRegistration {
  private leaseTimer?: NodeJS.Timeout;
  private statusTimer?: NodeJS.Timeout;
  /** A status post repairing a not-Ready mark, while one runs. */
  private repairing?: Promise<unknown>;
  private informers?: InformerScope;
  private stopped = false;
  private readyCondTime = time();
  /** What the machine says about itself (read once: the runtime's version is a process to run). */
  private info?: ReturnType<typeof nodeInfo>;
  /** MemoryPressure/DiskPressure/PIDPressure as the eviction manager last computed them. */
  private pressure: NodeCondition[] = pressureConditions(new Set(), [], time());

  /** heartbeats: the client Lease renewals go through (its own connection: see client/lease-client.ts). */
  constructor(
    private client: RestClient,
    private o: NodeOptions,
    private log: Logger,
    private heartbeats: RestClient = client,
  ) {}

  /** The stream server's port, once it listens (it may have been 0: pick any). */
  setPort(port: number) {
    this.o.port = port;
  }

  async capacity(): Promise<Record<string, string>> {
    const fs = await statfs(this.o.dataDir).catch(ifMissing);
    const eph = fs ? BigInt(fs.blocks) * BigInt(fs.bsize) : 0n;
    return {
      cpu: String(os.cpus().length),
      memory: `${Math.floor(os.totalmem() / 1024)}Ki`,
      pods: String(this.o.maxPods ?? 110),
      'ephemeral-storage': `${eph / 1024n}Ki`,
      'hugepages-2Mi': '0',
    };
  }

  private async status() {
    const cap = await this.capacity();
    const now = time();
    const cond = (type: string, status: string, reason: string, message: string) => ({ type, status, reason, message, lastHeartbeatTime: now, lastTransitionTime: this.readyCondTime });
    return {
      capacity: cap,
      allocatable: cap,
      addresses: [
        { type: 'InternalIP', address: this.o.nodeIP },
        { type: 'Hostname', address: this.o.nodeName },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: this.o.port } },
      // Several agents may share one machine (test hosts): the ids stay per node.
      nodeInfo: { machineID: this.o.nodeName, systemUUID: this.o.nodeName, bootID: bootID(), ...(await (this.info ??= nodeInfo(this.o.runtime))) },
      conditions: [...this.pressure.map((c) => ({ ...c, lastHeartbeatTime: now })), cond('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status')],
    };
  }

  /**
   * Registers the Node (status and the first lease renewal included), then keeps it alive. Each step
   * is safe to repeat, so a failure that may be passing (a server killed mid-request, a 5xx, a
   * timeout) is tried again with back-off until it works or the agent stops, as the kubelet keeps
   * trying to register: a server that dies while this agent starts must not end the agent.
   */
  async register() {
    const name = this.o.nodeName;
    await this.registerNode();
    const renewEveryMs = Math.max(1000, ((this.o.leaseSeconds ?? 40) * 1000) / 4);
    this.leaseTimer = setInterval(() => void this.renewLease().catch((e) => this.log.warn('lease renewal failed', { err: e })), renewEveryMs);
    this.leaseTimer.unref();
    this.statusTimer = setInterval(() => void this.postStatus(), 60_000);
    this.statusTimer.unref();
    this.informers = informerScope({ client: this.client, informers: this.o.informers, log: this.log }, 'node-registration');
    const informer = this.informers.informer(R.nodes, { query: { fieldSelector: `metadata.name=${name}` } });
    let last: string | undefined;
    const seen = (o: KObject) => {
      const cidr = (o as Node).spec?.podCIDR;
      if (cidr !== last) {
        last = cidr;
        if (cidr) this.log.info('node pod CIDR', { podCIDR: cidr });
        this.o.onPodCIDR(cidr);
      }
    };
    const repair = (o: KObject) => {
      const ready = ((o as Node).status?.conditions ?? []).find((c) => c.type === 'Ready');
      if (!ready || ready.status === 'True' || this.repairing || !this.statusTimer) return;
      this.log.info('the node is marked not Ready while this agent runs; posting its status', { status: ready.status });
      // One repair at a time, at most one a second: a controller that keeps overruling us is not stormed.
      this.repairing = this.postStatus()
        .then(() => new Promise((r) => setTimeout(r, 1000).unref()))
        .finally(() => (this.repairing = undefined));
    };
    informer.addHandlers({
      onAdd: (o) => {
        seen(o);
        repair(o);
      },
      onUpdate: (_o, n) => {
        seen(n);
        repair(n);
      },
    });
    this.informers.start();
    await this.informers.waitForCacheSync();
  }

  /**
   * New pressure conditions from the eviction manager; posted at once when one changes (the node
   * lifecycle controller taints on them). Returns the conditions whose status changed.
   */
  async setPressure(inPressure: Set<PressureCondition>): Promise<NodeCondition[]> {
    const next = pressureConditions(inPressure, this.pressure, time());
    const changed = next.filter((c) => this.pressure.find((p) => p.type === c.type)?.status !== c.status);
    this.pressure = next;
    if (changed.length && this.statusTimer) await this.postStatus();
    return changed;
  }

  private async postStatus() {
    try {
      await this.client.patch(R.nodes, undefined, this.o.nodeName, { status: await this.status() }, 'merge', 'status');
    } catch (e) {
      if (isNotFound(e)) {
        this.log.warn('node object was deleted; registering again');
        await this.registerNode().catch(logFailure(this.log, 'registering the node again'));
      } else this.log.warn('node status update failed', { err: e });
    }
  }

  /** One registration pass: the Node created (or its labels updated), its status posted, its lease renewed. */
  private async registerOnce() {
    const name = this.o.nodeName;
    const labels = {
      [LABEL_HOSTNAME]: name,
      [LABEL_OS]: 'linux',
      [LABEL_ARCH]: goArch(),
      [LABEL_OS_BETA]: 'linux',
      [LABEL_ARCH_BETA]: goArch(),
      ...(this.o.labels ?? {}),
    };
    try {
      await this.client.create(R.nodes, undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name, labels } } as KObject);
      this.log.info('node registered', { node: name });
    } catch (e) {
      if (!isConflict(e)) throw e;
      await this.client.patch(R.nodes, undefined, name, { metadata: { labels } }, 'merge');
      this.log.info('node already registered; updated', { node: name });
    }
    await this.client.patch(R.nodes, undefined, name, { status: await this.status() }, 'merge', 'status');
    await this.renewLease();
  }

  /** registerOnce until it works; an answer that will not change (a 403, an invalid Node) ends it. */
  private async registerNode() {
    const backoff = new Backoff({ baseMs: 200, maxMs: REGISTER_MAX_BACKOFF_MS });
    for (;;) {
      try {
        return await this.registerOnce();
      } catch (e) {
        if (this.stopped || !mayPass(e)) throw e;
        const inMs = backoff.next();
        this.log.warn('registering the node failed; trying again', { err: (e as Error).message, inMs });
        await new Promise((r) => setTimeout(r, inMs));
        if (this.stopped) throw new Error('the agent stopped while its node was registering');
      }
    }
  }

  private async renewLease() {
    const name = this.o.nodeName;
    const spec = { holderIdentity: name, leaseDurationSeconds: this.o.leaseSeconds ?? 40, renewTime: microTime() };
    try {
      await this.heartbeats.patch(R.leases, 'kube-node-lease', name, { spec }, 'merge');
    } catch (e) {
      if (!isNotFound(e)) throw e;
      const node = await this.client.get(R.nodes, undefined, name);
      try {
        await this.client.create(R.leases, 'kube-node-lease', {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name, namespace: 'kube-node-lease', ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name, uid: node.metadata!.uid! }] },
          spec,
        } as KObject);
      } catch (e2) {
        // A create that was cut after the server applied it (or another server's): renew the one there is.
        if (!isConflict(e2)) throw e2;
        await this.heartbeats.patch(R.leases, 'kube-node-lease', name, { spec }, 'merge');
      }
    }
  }

  /** Stop heartbeats (the node goes NotReady once its lease expires, as for a stopped kubelet). */
  stop() {
    this.stopped = true;
    clearInterval(this.leaseTimer);
    clearInterval(this.statusTimer);
    this.informers?.close();
  }
}
