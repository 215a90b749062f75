// The storage sidecars' own identity on an agent: a token for the service account
// kube-system/gifee-storage-sidecars (ClusterRole system:gifee:storage-sidecars: external-provisioner's,
// -resizer's and -attacher's RBAC), obtained by the node itself through TokenRequest and bound to
// its own Node (the Node authorizer lets nodes ask for exactly this account's tokens, and
// NodeRestriction only bound to their own Node). The token dies with the Node, is refreshed well
// before it expires, and the API server audits the sidecars' writes with the node's name
// (authentication.kubernetes.io/node-name), never as system:node:NAME, so the node's own limits
// stay as Kubernetes has them. The agent's ingress controller gets its own account the same way
// (kube-system/gifee-ingress, src/api/auth/ingress-controller.ts).

import { STORAGE_SIDECARS_NAMESPACE, STORAGE_SIDECARS_SERVICE_ACCOUNT } from '../api/auth/storage-sidecars.js';
import { R } from '../client/resources.js';
import { type ClientConfig, RestClient } from '../client/rest.js';
import type { Logger } from '../util/log.js';

const TOKEN_SECONDS = 3600;
/** Refresh after this share of a token's life, and at least this often (a re-registered Node voids the old token). */
const REFRESH_SHARE = 0.8;
const MAX_REFRESH_MS = 10 * 60_000;
const RETRY_MS = 15_000;

export interface SidecarIdentity {
  /** A client presenting the current token (it is swapped in place on refresh). */
  client: RestClient;
  stop(): void;
}

/** Asks (as the node) for a token bound to the node's own Node object. */
export async function requestSidecarToken(nodeClient: RestClient, nodeName: string, account = STORAGE_SIDECARS_SERVICE_ACCOUNT): Promise<{ token: string; expiresAt: number }> {
  const node = await nodeClient.get(R.nodes, undefined, nodeName);
  const body = { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: TOKEN_SECONDS, boundObjectRef: { kind: 'Node', apiVersion: 'v1', name: nodeName, uid: node.metadata?.uid } } };
  const r = await nodeClient.request<{ status?: { token?: string; expirationTimestamp?: string } }>('POST', `/api/v1/namespaces/${STORAGE_SIDECARS_NAMESPACE}/serviceaccounts/${account}/token`, body);
  if (!r.status?.token) throw new Error('the API server answered the TokenRequest without a token');
  const expiresAt = Date.parse(r.status.expirationTimestamp ?? '') || Date.now() + TOKEN_SECONDS * 1000;
  return { token: r.status.token, expiresAt };
}

/** The first token (throws when it cannot be had), then refreshes in the background until stop. */
export async function startSidecarIdentity(o: { nodeClient: RestClient; server: string; ca: string; nodeName: string; log: Logger; account?: string; purpose?: string }): Promise<SidecarIdentity> {
  const account = o.account ?? STORAGE_SIDECARS_SERVICE_ACCOUNT;
  const first = await requestSidecarToken(o.nodeClient, o.nodeName, account);
  // The node's pool of API servers: the sidecars fail over with the agent.
  // The node's CA bundle too, refreshed during a CA rotation (a joined agent's, cli/ca-bundle.ts).
  const config: ClientConfig = { server: o.server, pool: o.nodeClient.pool, ca: o.ca, rotatingCa: o.nodeClient.config.rotatingCa, token: first.token, userAgent: `gifee-agent/${o.nodeName} (${o.purpose ?? 'storage sidecars'})` };
  const client = new RestClient(config);
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const schedule = (ms: number) => {
    if (stopped) return;
    timer = setTimeout(refresh, ms);
    timer.unref();
  };
  const untilRefresh = (expiresAt: number) => Math.max(1000, Math.min(MAX_REFRESH_MS, (expiresAt - Date.now()) * REFRESH_SHARE));
  const refresh = async () => {
    try {
      const t = await requestSidecarToken(o.nodeClient, o.nodeName, account);
      // The client reads its own config (a copy of the one it was made with) per request: later
      // requests and reconnecting watches use the new token.
      client.config.token = t.token;
      schedule(untilRefresh(t.expiresAt));
    } catch (e) {
      o.log.warn(`could not refresh the token of ${account}; retrying`, { err: e });
      schedule(RETRY_MS);
    }
  };
  schedule(untilRefresh(first.expiresAt));
  return {
    client,
    stop() {
      stopped = true;
      clearTimeout(timer);
      client.close();
    },
  };
}
