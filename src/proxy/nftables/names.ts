// Names of the per-service and per-endpoint chains and sets: a short hash keeps them unique and
// bounded (nft names are at most 255 bytes), the readable rest says what they are in `nft list`.

import { createHash } from 'node:crypto';
import type { Endpoint, ServicePort } from '../model.js';

// Names are recomputed on every sync for every service: remember them (bounded).
const cache = new Map<string, string>();
function hash(s: string) {
  let h = cache.get(s);
  if (h === undefined) {
    if (cache.size > 100_000) cache.clear();
    cache.set(s, (h = createHash('sha256').update(s).digest('hex').slice(0, 8).toUpperCase()));
  }
  return h;
}

function named(prefix: string, readable: string, hashed = readable) {
  return `${prefix}-${hash(hashed)}-${readable}`.slice(0, 200);
}

const epId = (sp: ServicePort, ep: Endpoint) => `${sp.id}__${ep.ip}/${ep.port}`;

export const serviceChain = (sp: ServicePort) => named('service', sp.id);
export const externalChain = (sp: ServicePort) => named('external', sp.id);
/** externalTrafficPolicy Local: the pick among this node's endpoints. */
export const localChain = (sp: ServicePort) => named('local', sp.id);
export const endpointChain = (sp: ServicePort, ep: Endpoint) => named('endpoint', epId(sp, ep));
/** The timeout is part of the hash: nft cannot change a set's timeout in place, so a new one gets a new set. */
export const affinitySet = (sp: ServicePort, ep: Endpoint) => named('affinity', epId(sp, ep), `${epId(sp, ep)}@${sp.affinityTimeoutSeconds}`);
