// The subresources and virtual creates the API server serves with handlers of their own, installed
// on each server instance (two servers in one process, as tests run them, never share a table).
// Status, scale and finalize are served by the generic handlers (router.ts).

import { handleBinding, handleTopLevelBinding } from './binding.js';
import { handleApproval } from './certificates/approval.js';
import type { ApiState } from './context.js';
import { handleEviction } from './eviction.js';
import { handlePodLog } from './pod-streams/logs.js';
import { handleNodeProxy } from './pod-streams/node-proxy.js';
import { proxyUpgrade } from './pod-streams/upgrade.js';
import { installReviews } from './reviews/index.js';
import { serveTokenRequest } from './serviceaccounts/token-request.js';

export function installServedSubresources(state: ApiState) {
  const sub = state.subresources;
  sub.set('/pods/binding', handleBinding);
  sub.set('/pods/eviction', handleEviction);
  // Proxied to the agent of the pod's node.
  sub.set('/pods/log', handlePodLog);
  sub.set('/pods/exec', proxyUpgrade('exec'));
  sub.set('/pods/attach', proxyUpgrade('attach'));
  sub.set('/pods/portforward', proxyUpgrade('portForward'));
  sub.set('/nodes/proxy', handleNodeProxy);
  sub.set('/serviceaccounts/token', serveTokenRequest);
  sub.set('certificates.k8s.io/certificatesigningrequests/approval', handleApproval);
  state.virtualCreates.set('/bindings', handleTopLevelBinding);
  installReviews(state.virtualCreates);
}
