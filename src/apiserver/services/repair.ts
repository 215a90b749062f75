// The repair pass (Kubernetes' ipallocator/portallocator controller.Repair, run at start and then
// periodically): every Service's ClusterIP and node ports are recorded as allocated (Services
// written before allocation existed, or by a server that crashed between its writes), and
// allocations whose owner is gone or no longer holds them are released. Allocations younger than
// a grace period are left alone: they may belong to a create still on its way to the store.

import type { KObject } from '../../api/kind.js';
import type { Logger } from '../../util/log.js';
import type { Objects } from '../storage/objects.js';
import type { StoreAllocator } from './allocator.js';
import { heldBy, ownerOf, type ServiceAllocators } from './service-allocation.js';

export const REPAIR_GRACE_MS = 60_000;

export async function repairAllocations(services: Objects, alloc: ServiceAllocators, log: Logger, graceMs = REPAIR_GRACE_MS): Promise<{ recorded: number; released: number }> {
  const all: KObject[] = [];
  let continueKey: string | undefined;
  let revision: number | undefined;
  do {
    const page = await services.list(undefined, { limit: 500, continueKey, revision });
    all.push(...page.items);
    continueKey = page.continueKey;
    revision = page.revision;
  } while (continueKey);
  const wantIPs = new Map<string, KObject>();
  const wantPorts = new Map<string, KObject>();
  for (const svc of all) {
    const held = heldBy(svc);
    if (held.ip) wantIPs.set(held.ip, svc);
    for (const p of held.nodePorts) wantPorts.set(String(p), svc);
  }
  let recorded = 0;
  let released = 0;
  const fix = async (allocator: StoreAllocator, want: Map<string, KObject>, what: string) => {
    const have = new Map((await allocator.list()).map((a) => [a.value, a]));
    for (const [value, svc] of want) {
      const a = have.get(value);
      if (a && a.owner.uid === svc.metadata?.uid) continue;
      if (a) {
        // Two owners for one value: the Service keeps its field, the record points at it from now on.
        log.warn(`${what} ${value} is recorded for another owner; recording it for the service that holds it`, { service: `${svc.metadata?.namespace}/${svc.metadata?.name}`, recordedFor: `${a.owner.namespace}/${a.owner.name}` });
        await allocator.release(value, a.owner);
      }
      if (allocator.range.offsetOf(value) === undefined) {
        log.warn(`${what} ${value} of a service is outside the configured range; it is left unrecorded`, { service: `${svc.metadata?.namespace}/${svc.metadata?.name}`, range: allocator.range.display });
        continue;
      }
      try {
        await allocator.allocate(value, ownerOf(svc));
        recorded++;
      } catch (err) {
        log.warn(`could not record ${what} ${value}`, { err });
      }
    }
    const now = Date.now();
    for (const [value, a] of have) {
      if (want.get(value)?.metadata?.uid === a.owner.uid) continue;
      if (now - Date.parse(a.time) < graceMs) continue;
      if (await allocator.release(value, a.owner)) {
        released++;
        log.info(`released leaked ${what}`, { value, owner: `${a.owner.namespace}/${a.owner.name}` });
      }
    }
  };
  await fix(alloc.ips, wantIPs, 'ClusterIP');
  await fix(alloc.nodePorts, wantPorts, 'node port');
  return { recorded, released };
}
