import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isSimulatedNode } from '../api/simulated-nodes.js';
import { simNode } from './node-object.js';

describe('a simulated Node object', () => {
  it('is marked simulated, lists only loopback and its name, and points at the sim process kubelet port', () => {
    const n = simNode('sim-7', { cpu: '4', memory: '8Gi', pods: '110' }, 'host/1', 41234) as { metadata: { labels: Record<string, string> }; status: { addresses: { type: string; address: string }[]; daemonEndpoints: { kubeletEndpoint: { Port: number } } } };
    assert.equal(isSimulatedNode(n), true);
    assert.equal(n.metadata.labels.type, 'sim');
    assert.deepEqual(n.status.addresses, [
      { type: 'InternalIP', address: '127.0.0.1' },
      { type: 'Hostname', address: 'sim-7' },
    ]);
    assert.equal(n.status.daemonEndpoints.kubeletEndpoint.Port, 41234);
  });
});
