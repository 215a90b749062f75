// Node authorization for an API server: the graph fed from its store, the Node authorizer reading
// it, and the NodeRestriction admission plugin registered on its admission chain.

import type { ApiState } from '../../context.js';
import { csrCommonName } from './csr-subject.js';
import { NodeAuthorizer } from './authorizer.js';
import { NodeGraphFeed } from './graph-feed.js';
import { nodeRestriction } from './restriction.js';

export { NodeAuthorizer, nodeIdentity, NODES_GROUP } from './authorizer.js';

/** Starts the graph (from a list, then watches) and registers NodeRestriction; returns the authorizer to put in the chain. */
export function installNodeAuthorization(state: ApiState): NodeAuthorizer {
  const feed = new NodeGraphFeed(state, state.log.child({ part: 'node-authorizer' }));
  void feed.start();
  state.admission.register(nodeRestriction(csrCommonName));
  return new NodeAuthorizer(feed.graph);
}
