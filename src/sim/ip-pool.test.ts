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
