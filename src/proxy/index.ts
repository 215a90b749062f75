// The service proxy's entry points for the node agent and `gifee reset`.

import { deleteTable } from './nftables/nft.js';

export { startServiceProxy, type ProxyOptions, type ServiceProxy } from './proxier.js';
export { startUserspaceProxy, type UserspaceProxy } from './userspace/proxy.js';
export { loopbackAddressFor } from './userspace/listeners.js';
export { removeAnnouncedAddresses } from './announcer.js';

/** The nftables table of the proxy of the node whose pods hang off `bridge` (one table per node, so test nodes on one machine do not collide). */
export const proxyTableName = (bridge = 'gifee0') => (bridge === 'gifee0' ? 'gifee-proxy' : `gifee-proxy-${bridge}`);

/** Removes a node's service proxy table (for reset after a crash; a clean stop removes it itself); rejects when nft fails (reset logs it). */
export async function removeServiceProxyTable(tableName: string): Promise<void> {
  await deleteTable(tableName);
}
