// What the kubelet's CSI plugin writes about a node's drivers (its nodeinfomanager), so the
// scheduler, the attacher and the provisioners know them: the node's CSINode object (named after
// the node, owned by the Node) lists each registered driver with the node's id in it, its topology
// keys and its volume limit; the Node carries the driver's topology segments as labels and the
// annotation csi.volume.kubernetes.io/nodeid, a JSON map driver -> node id. Uninstalling removes
// the driver from both (the labels stay, as the kubelet leaves them). All writes from one agent go
// through one queue and use resourceVersions, so concurrent registrations cannot lose each other.

import type { KObject } from '../../api/kind.js';
import { R } from '../../client/resources.js';
import { isConflict, isNotFound, type ResourceRef, type RestClient } from '../../client/rest.js';
import { deepEqual } from '../../util/equal.js';
import type { Logger } from '../../util/log.js';
import { ignoreError } from '../../util/best-effort.js';

/** The kubelet's node annotation: {"<driver>": "<node id in that driver>"}. */
export const ANN_CSI_NODE_ID = 'csi.volume.kubernetes.io/nodeid';
export const CSINODES: ResourceRef = { group: 'storage.k8s.io', version: 'v1', plural: 'csinodes', namespaced: false };

const ATTEMPTS = 5;

export interface InstalledDriver {
  name: string;
  nodeId: string;
  /** NodeGetInfo's accessible topology: labels on the Node, their keys in CSINode. */
  topology?: Record<string, string>;
  /** NodeGetInfo's max_volumes_per_node; 0 or absent: no limit (no allocatable in CSINode). */
  maxVolumesPerNode?: number;
}

interface CsiNodeDriver {
  name: string;
  nodeID: string;
  topologyKeys?: string[];
  allocatable?: { count?: number };
}

/** A CSINode entry as the kubelet writes it: sorted topology keys, allocatable only with a limit. */
function entryOf(d: InstalledDriver): CsiNodeDriver {
  const e: CsiNodeDriver = { name: d.name, nodeID: d.nodeId, topologyKeys: Object.keys(d.topology ?? {}).sort() };
  if (d.maxVolumesPerNode && d.maxVolumesPerNode > 0) e.allocatable = { count: Math.min(d.maxVolumesPerNode, 2 ** 31 - 1) };
  return e;
}

const sameEntry = (a: CsiNodeDriver, b: CsiNodeDriver) => a.name === b.name && a.nodeID === b.nodeID && deepEqual([...(a.topologyKeys ?? [])].sort(), [...(b.topologyKeys ?? [])].sort()) && a.allocatable?.count === b.allocatable?.count;

function parseNodeIds(raw: unknown): Record<string, string> {
  if (typeof raw !== 'string' || !raw) return {};
  try {
    const v = JSON.parse(raw) as unknown;
    if (!v || typeof v !== 'object' || Array.isArray(v)) return {};
    return Object.fromEntries(Object.entries(v).filter(([, id]) => typeof id === 'string')) as Record<string, string>;
  } catch {
    return {};
  }
}

type Meta = { name?: string; uid?: string; resourceVersion?: string; labels?: Record<string, string>; annotations?: Record<string, string>; ownerReferences?: { kind?: string; name?: string; uid?: string }[] };
const metaOf = (o: KObject) => (o.metadata ?? {}) as Meta;

export class CsiNodeInfo {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private client: RestClient,
    private nodeName: string,
    private log: Logger,
  ) {}

  /** Runs writes one at a time, in order; a failure fails only its own caller. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(ignoreError('a failure fails only its own caller; the queue only orders writes'));
    return run;
  }

  /** Creates the node's CSINode (no drivers) if missing, as the kubelet does at start, so readers know the node speaks CSI. */
  ensure(): Promise<void> {
    return this.serial(async () => {
      await this.updateCsiNode((drivers) => drivers);
    });
  }

  install(d: InstalledDriver): Promise<void> {
    return this.serial(async () => {
      await this.updateNode(d.name, d.nodeId, d.topology ?? {});
      const entry = entryOf(d);
      await this.updateCsiNode((drivers) => {
        const was = drivers.find((x) => x.name === d.name);
        if (was && sameEntry(was, entry)) return drivers;
        // An entry is immutable: a changed one is removed first (the caller's loop adds it back).
        if (was) return drivers.filter((x) => x.name !== d.name);
        return [...drivers, entry];
      });
    });
  }

  uninstall(name: string): Promise<void> {
    return this.serial(async () => {
      // The same array when there is nothing to remove: that is how updateCsiNode knows it is done.
      await this.updateCsiNode((drivers) => (drivers.some((x) => x.name === name) ? drivers.filter((x) => x.name !== name) : drivers));
      await this.updateNode(name, undefined, {});
    });
  }

  /** Sets (or with nodeId undefined, removes) the driver's node id in the annotation and adds its topology labels. */
  private async updateNode(driver: string, nodeId: string | undefined, topology: Record<string, string>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const node = await this.client.get(R.nodes, undefined, this.nodeName);
      const meta = metaOf(node);
      const labels = meta.labels ?? {};
      for (const [k, v] of Object.entries(topology)) {
        if (labels[k] !== undefined && labels[k] !== v) throw new Error(`detected topology value collision: driver reported "${k}":"${v}" but existing label is "${k}":"${labels[k]}"`);
      }
      const ids = parseNodeIds(meta.annotations?.[ANN_CSI_NODE_ID]);
      const newLabels = Object.fromEntries(Object.entries(topology).filter(([k]) => labels[k] === undefined));
      if (nodeId === undefined ? !(driver in ids) : ids[driver] === nodeId && Object.keys(newLabels).length === 0) return;
      if (nodeId === undefined) delete ids[driver];
      else ids[driver] = nodeId;
      // Sorted keys, as Go's encoding/json writes the kubelet's map.
      const annotation = Object.keys(ids).length ? JSON.stringify(Object.fromEntries(Object.entries(ids).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)))) : null;
      const patch = { metadata: { resourceVersion: meta.resourceVersion, labels: Object.keys(newLabels).length ? newLabels : undefined, annotations: { [ANN_CSI_NODE_ID]: annotation } } };
      try {
        await this.client.patch(R.nodes, undefined, this.nodeName, patch, 'merge');
        return;
      } catch (e) {
        if (!isConflict(e) || attempt >= ATTEMPTS) throw e;
      }
    }
  }

  /**
   * Reads the CSINode (creating it when missing), applies `change` to its drivers and writes them
   * back, until `change` returns its argument itself (nothing more to do).
   */
  private async updateCsiNode(change: (drivers: CsiNodeDriver[]) => CsiNodeDriver[]): Promise<void> {
    let conflicts = 0;
    for (let round = 0; round < ATTEMPTS * 2; round++) {
      let current: KObject | undefined;
      try {
        current = await this.client.get(CSINODES, undefined, this.nodeName);
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
      const drivers = ((current?.spec as { drivers?: CsiNodeDriver[] } | undefined)?.drivers ?? []).filter((d) => d && typeof d === 'object');
      const next = change(drivers);
      const owner = await this.ownerReference(current);
      if (current && next === drivers && !owner) return;
      try {
        if (!current) {
          await this.client.create(CSINODES, undefined, { apiVersion: 'storage.k8s.io/v1', kind: 'CSINode', metadata: { name: this.nodeName, ownerReferences: owner ? [owner] : [] }, spec: { drivers: next } } as KObject);
        } else {
          const meta = metaOf(current);
          const metadata = owner ? { ...meta, ownerReferences: [...(meta.ownerReferences ?? []), owner] } : meta;
          await this.client.update(CSINODES, { ...current, metadata, spec: { ...(current.spec as object), drivers: next } } as KObject);
        }
        if (next === drivers) return;
      } catch (e) {
        // Someone else wrote it (or created it) first: read again.
        if (!(isConflict(e) || (e as { code?: number }).code === 409) || ++conflicts >= ATTEMPTS) throw e;
      }
    }
    throw new Error(`CSINode ${this.nodeName}: its drivers kept changing under us`);
  }

  /** The owner reference to the Node a CSINode lacks (the kubelet's: the Node's name and uid), or undefined if it has it. */
  private async ownerReference(current: KObject | undefined) {
    if (current && metaOf(current).ownerReferences?.some((r) => r.kind === 'Node' && r.name === this.nodeName)) return undefined;
    try {
      const uid = metaOf(await this.client.get(R.nodes, undefined, this.nodeName)).uid;
      return uid ? { apiVersion: 'v1', kind: 'Node', name: this.nodeName, uid } : undefined;
    } catch (e) {
      this.log.debug('no Node to own the CSINode yet', { err: e });
      return undefined;
    }
  }
}
