import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isSimulatedNode, isSimulatedPodIP, overlapsSimulatedPodCIDR, SIMULATED_NODE_LABEL } from './simulated-nodes.js';

describe('simulated nodes vocabulary', () => {
  it('knows a simulated node by its label, set to "true"', () => {
    assert.equal(isSimulatedNode({ metadata: { labels: { [SIMULATED_NODE_LABEL]: 'true' } } }), true);
    assert.equal(isSimulatedNode({ metadata: { labels: { [SIMULATED_NODE_LABEL]: 'false' } } }), false);
    assert.equal(isSimulatedNode({ metadata: { labels: { type: 'sim' } } }), false);
    assert.equal(isSimulatedNode(undefined), false);
  });

  it('knows the simulated pod range 198.18.0.0/15 and nothing else', () => {
    for (const ip of ['198.18.0.0', '198.18.0.2', '198.19.255.255']) assert.equal(isSimulatedPodIP(ip), true, ip);
    for (const ip of ['198.17.255.255', '198.20.0.0', '10.42.0.5', '127.0.0.1', 'fd00::1', '198.18.0', '', undefined]) assert.equal(isSimulatedPodIP(ip), false, String(ip));
  });

  it('finds CIDRs overlapping the range, inside or around it', () => {
    for (const c of ['198.18.4.0/24', '198.19.0.0/16', '198.18.0.0/15', '198.16.0.0/12', '0.0.0.0/0']) assert.equal(overlapsSimulatedPodCIDR(c), true, c);
    for (const c of ['10.42.0.0/16', '198.20.0.0/16', '198.17.0.0/16', 'fd00::/64', 'nonsense', '198.18.0.0/40', undefined]) assert.equal(overlapsSimulatedPodCIDR(c), false, String(c));
  });
});
