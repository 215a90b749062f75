// Which registered drivers this agent runs controller-side sidecars for (docs/storage.md "Node-side
// sidecars"): a driver registered on this node (the CsiRegistry) that is gifee's own or whose
// CSIDriver object carries storage.gifee.dev/agent-sidecars=true, and that advertises the
// CONTROLLER_SERVICE plugin capability. Capabilities are probed once per connected driver (a driver
// that registers again is probed again); its node's topology and node id likewise.

import type { CSIDriver } from '../api/storage/types.js';
import type { InformerLike } from '../client/informer.js';
import type { ControllerCapabilityName, ControllerService, CsiDriver, CsiRegistry, Topology } from '../csi/types.js';
import { LABEL_AGENT_SIDECARS, LOCAL_DRIVER } from '../api/storage-names.js';

interface Probed {
  controller: boolean;
  rpcs: Set<ControllerCapabilityName>;
}

export interface ServedDriver {
  name: string;
  driver: CsiDriver;
  controller: ControllerService;
  rpcs: Set<ControllerCapabilityName>;
}

export class ServedDrivers {
  private probes = new WeakMap<CsiDriver, Promise<Probed>>();
  private nodeInfo = new WeakMap<CsiDriver, Promise<{ nodeId: string; topology?: Topology }>>();

  constructor(
    private registry: CsiRegistry,
    private csidrivers: InformerLike,
  ) {}

  /** Whether the CSIDriver object (or gifee's own name) asks for this agent's sidecars; says nothing of registration. */
  wantsSidecars(name: string): boolean {
    if (name === LOCAL_DRIVER) return true;
    return this.csidrivers.get(name)?.metadata?.labels?.[LABEL_AGENT_SIDECARS] === 'true';
  }

  /** CSIDriver.spec.attachRequired (true when the object is missing or leaves it unset, as Kubernetes). */
  attachRequired(name: string): boolean {
    return (this.csidrivers.get(name) as CSIDriver | undefined)?.spec?.attachRequired !== false;
  }

  /** CSIDriver.spec.storageCapacity: the driver wants CSIStorageCapacity objects (false when the object is missing, as Kubernetes). */
  tracksCapacity(name: string): boolean {
    return (this.csidrivers.get(name) as CSIDriver | undefined)?.spec?.storageCapacity === true;
  }

  /** The driver when this agent serves it, else undefined. Throws when probing the driver fails (retry later). */
  async get(name: string | undefined): Promise<ServedDriver | undefined> {
    if (!name || !this.wantsSidecars(name)) return undefined;
    const driver = this.registry.get(name);
    if (!driver?.controller) return undefined;
    let p = this.probes.get(driver);
    if (!p) {
      p = probe(driver);
      this.probes.set(driver, p);
      // A failed probe is not remembered: the next reconcile asks again.
      p.catch(() => this.probes.delete(driver));
    }
    const probed = await p;
    return probed.controller ? { name, driver, controller: driver.controller, rpcs: probed.rpcs } : undefined;
  }

  /** The driver's id and topology for this node (NodeGetInfo), fallback: no topology and the given node name. */
  async node(d: ServedDriver, fallbackId: string): Promise<{ nodeId: string; topology?: Topology }> {
    const node = d.driver.node;
    if (!node) return { nodeId: fallbackId };
    let p = this.nodeInfo.get(d.driver);
    if (!p) {
      p = node.nodeGetInfo().then((i) => ({ nodeId: i.nodeId || fallbackId, topology: i.accessibleTopology?.segments && Object.keys(i.accessibleTopology.segments).length ? i.accessibleTopology : undefined }));
      this.nodeInfo.set(d.driver, p);
      p.catch(() => this.nodeInfo.delete(d.driver));
    }
    return p;
  }
}

async function probe(driver: CsiDriver): Promise<Probed> {
  const { capabilities } = await driver.getPluginCapabilities();
  const controller = (capabilities ?? []).some((c) => 'service' in c && c.service?.type === 'CONTROLLER_SERVICE');
  if (!controller || !driver.controller) return { controller: false, rpcs: new Set() };
  const caps = await driver.controller.controllerGetCapabilities();
  return { controller: true, rpcs: new Set((caps.capabilities ?? []).map((c) => c.rpc?.type).filter((t): t is ControllerCapabilityName => !!t)) };
}
