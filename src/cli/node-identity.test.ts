import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { createCa } from './pki.js';
import { makeKeyAndRequest } from './csr-client.js';
import { parseCertificateRequest } from '../api/kinds/certificates/csr-request.js';
import { signRequest } from '../controllers/certificates/sign.js';
import { CertificateRotator, loadValidPair, renewalTime, storePair } from './node-identity.js';
import { logger } from '../util/log.js';
import { parseJoinToken, formatJoinToken } from './join-token.js';

async function issue(ca: { cert: string; key: string }, cn: string, seconds: number) {
  const { request, key } = await makeKeyAndRequest({ commonName: cn, organizations: ['system:nodes'] });
  return { cert: await signRequest(ca, parseCertificateRequest(request), ['digital signature', 'client auth'], seconds), key };
}

test('renewal falls between 70% and 90% of the lifetime', async () => {
  const ca = await createCa();
  const { cert } = await issue(ca, 'system:node:n', 3600);
  const c = new X509Certificate(cert);
  const from = Date.parse(c.validFrom);
  const life = Date.parse(c.validTo) - from;
  assert.equal(renewalTime(cert, 0), from + 0.7 * life);
  assert.equal(renewalTime(cert, 1), from + 0.9 * life);
});

test('a certificate past its renewal point is renewed and the new one used', async () => {
  const ca = await createCa();
  // 600 s asked, backdated 5 minutes: 70% of its 900 s lifetime has passed at once.
  const old = await issue(ca, 'system:node:n', 1);
  const fresh = await issue(ca, 'system:node:n', 3600);
  const used: string[] = [];
  // The rotator's timers are unref'd (they never hold a process open): keep this one alive meanwhile.
  const alive = setTimeout(() => {}, 10_000);
  await new Promise<void>((resolve) => {
    const r = new CertificateRotator({
      what: 'test',
      current: old,
      renew: async () => fresh,
      use: (p) => {
        used.push(p.cert);
        r.stop();
        resolve();
      },
      log: logger('test'),
    });
    r.start();
  });
  clearTimeout(alive);
  assert.deepEqual(used, [fresh.cert]);
});

test('stored pairs: only valid ones of this CA and subject are used', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gifee-ni-'));
  try {
    const ca = await createCa();
    const other = await createCa('other');
    await storePair(dir, 'kubelet-client', await issue(ca, 'system:node:n', 3600));
    assert.ok(await loadValidPair(dir, 'kubelet-client', ca.cert, 'system:node:n'));
    assert.equal(await loadValidPair(dir, 'kubelet-client', ca.cert, 'system:node:m'), undefined);
    assert.equal(await loadValidPair(dir, 'kubelet-client', other.cert, 'system:node:n'), undefined);
    assert.equal(await loadValidPair(dir, 'kubelet-client', ca.cert, 'system:node:n', Date.now() + 2 * 3600_000), undefined);
    assert.equal(await loadValidPair(dir, 'missing', ca.cert, 'system:node:n'), undefined);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('join tokens: K10<hash>::<id>.<secret>, bare bootstrap tokens, and old node-secret tokens explained', () => {
  const t = formatJoinToken('PEM', 'abcdef.0123456789abcdef');
  assert.deepEqual(parseJoinToken(t), { caHash: t.slice(3, 67), token: 'abcdef.0123456789abcdef', id: 'abcdef' });
  assert.deepEqual(parseJoinToken('abcdef.0123456789abcdef'), { caHash: undefined, token: 'abcdef.0123456789abcdef', id: 'abcdef' });
  assert.throws(() => parseJoinToken(`K10${'0'.repeat(64)}::node:abc`), /older gifee/);
  assert.throws(() => parseJoinToken('garbage'), /malformed/);
});
