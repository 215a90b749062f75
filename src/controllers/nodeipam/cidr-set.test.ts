import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type CidrError, CidrSet, parseCidr } from './cidr-set.js';

describe('node CIDR set', () => {
  it('hands out /24s of 10.42.0.0/16 in order', () => {
    const s = new CidrSet('10.42.0.0/16', 24);
    assert.equal(s.size, 256);
    assert.equal(s.allocate(), '10.42.0.0/24');
    assert.equal(s.allocate(), '10.42.1.0/24');
    assert.equal(s.allocated, 2);
  });

  it('skips CIDRs occupied by existing nodes (rebuilt on restart) and never hands one out twice', () => {
    const s = new CidrSet('10.42.0.0/16', 24);
    s.occupy('10.42.0.0/24');
    s.occupy('10.42.2.0/24');
    s.occupy('10.42.2.0/24');
    assert.equal(s.allocated, 2);
    const got = new Set<string>();
    while (s.free > 0) got.add(s.allocate());
    assert.equal(got.size, 254);
    assert.ok(!got.has('10.42.0.0/24') && !got.has('10.42.2.0/24'));
  });

  it('frees a released CIDR, reusing it only after the others', () => {
    const s = new CidrSet('10.0.0.0/30', 32);
    const all = [s.allocate(), s.allocate(), s.allocate(), s.allocate()];
    assert.deepEqual(all, ['10.0.0.0/32', '10.0.0.1/32', '10.0.0.2/32', '10.0.0.3/32']);
    assert.throws(
      () => s.allocate(),
      (e: CidrError) => e.reason === 'CIDRNotAvailable' && /no node CIDRs left in 10.0.0.0\/30/.test(e.message),
    );
    s.release('10.0.0.1/32');
    assert.equal(s.isUsed('10.0.0.1/32'), false);
    assert.equal(s.allocate(), '10.0.0.1/32');
  });

  it('allocates round-robin past freed CIDRs', () => {
    const s = new CidrSet('10.42.0.0/16', 24);
    const a = s.allocate();
    s.allocate();
    s.release(a);
    assert.equal(s.allocate(), '10.42.2.0/24');
  });

  it('rejects CIDRs that are not its own, and bad settings, with clear messages', () => {
    const s = new CidrSet('10.42.0.0/16', 24);
    assert.throws(() => s.occupy('10.43.0.0/24'), /outside the cluster CIDR 10.42.0.0\/16/);
    assert.throws(() => s.occupy('10.42.0.0/25'), /not a \/24 node CIDR/);
    assert.throws(() => new CidrSet('10.42.0.0/16', 8), /mask size 8 must be between/);
    assert.throws(() => new CidrSet('fd00::/48', 64), /IPv6/);
    assert.throws(() => new CidrSet('10.42.0/16', 24), /not an IPv4 CIDR/);
    assert.throws(() => new CidrSet('10.0.0.0/0', 32), /2\^24/);
  });

  it('normalizes a CIDR with host bits set', () => {
    assert.deepEqual(parseCidr('10.42.7.9/16'), { base: ((10 << 24) | (42 << 16)) >>> 0, prefix: 16 });
    const s = new CidrSet('10.42.7.9/16', 24);
    assert.equal(s.allocate(), '10.42.0.0/24');
  });
});
