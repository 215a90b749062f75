import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatewayOf } from './node-dns.js';
import { hostResolvers } from './host-resolvers.js';
import { parseUpstream } from './forward.js';

test('the gateway is the first address of the pod CIDR', () => {
  assert.equal(gatewayOf('10.42.3.0/24'), '10.42.3.1');
  assert.equal(gatewayOf('10.42.3.77/24'), '10.42.3.1');
  assert.equal(gatewayOf('10.128.0.0/9'), '10.128.0.1');
});

test('host resolvers come from resolv.conf; upstream addresses parse with ports', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gifee-dns-'));
  try {
    const f = join(dir, 'resolv.conf');
    await writeFile(f, '# comment\nsearch example.internal\nnameserver 10.0.0.2\n  nameserver 10.0.0.3\noptions ndots:1\n');
    assert.deepEqual(await hostResolvers(f), ['10.0.0.2', '10.0.0.3']);
    assert.deepEqual(await hostResolvers(join(dir, 'missing')), []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  assert.deepEqual(parseUpstream('10.0.0.2'), { host: '10.0.0.2', port: 53 });
  assert.deepEqual(parseUpstream('127.0.0.1:5353'), { host: '127.0.0.1', port: 5353 });
  assert.deepEqual(parseUpstream('[::1]:54'), { host: '::1', port: 54 });
  assert.deepEqual(parseUpstream('fd00::1'), { host: 'fd00::1', port: 53 });
});
