import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IpPool } from './ip-pool.js';

describe('sim pod IP pool', () => {
  it('hands out host addresses of the CIDR, skipping network, gateway and broadcast', () => {
    const p = new IpPool('10.42.3.0/29');
    const got = [p.allocate(), p.allocate(), p.allocate(), p.allocate(), p.allocate(), p.allocate()];
    assert.deepEqual(got, ['10.42.3.2', '10.42.3.3', '10.42.3.4', '10.42.3.5', '10.42.3.6', undefined]);
    p.release('10.42.3.4');
    assert.equal(p.allocate(), '10.42.3.4');
  });
  it('rejects what is not an IPv4 CIDR', () => {
    assert.throws(() => new IpPool('fd00::/64'), /not an IPv4 CIDR/);
  });
});

describe('sim pod IP pool over the simulated range', () => {
  it('owns the addresses it may hand out, and only those', () => {
    const p = new IpPool('198.18.0.0/15');
    assert.equal(p.allocate(), '198.18.0.2');
    assert.equal(p.owns('198.19.255.254'), true);
    assert.equal(p.owns('198.19.255.255'), false, 'broadcast');
    assert.equal(p.owns('198.18.0.1'), false, 'gateway');
    assert.equal(p.owns('10.42.0.5'), false);
    assert.equal(p.owns('nonsense'), false);
  });
});
