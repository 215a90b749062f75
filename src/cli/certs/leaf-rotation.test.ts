// The rotation loop against a real PKI directory: a leaf longer-lived than the policy is renewed at
// once, then again before it expires; each renewal is on disk (key matching certificate, no
// temporary file left) before it is put in use; a failing renewal is retried, not fatal.

import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { logger } from '../../util/log.js';
import { type CertPair, createCa, issueCert, keyMatches } from '../pki.js';
import { LeafRotator } from './leaf-rotation.js';
import { reissue } from './reissue.js';

const until = async (what: string, fn: () => boolean | Promise<boolean>) => {
  for (let i = 0; i < 600; i++) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
};

test('a year-long leaf is renewed at once under a 10 s policy, then again before it expires; each on disk before in use', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gifee-rotation-'));
  try {
    const ca = await createCa();
    const first = await issueCert(ca, { commonName: 'gifee-apiserver', usage: 'server', dnsNames: ['localhost'], ips: ['127.0.0.1', '::1'] });
    const used: CertPair[] = [];
    const onDisk: boolean[] = [];
    const rotator = new LeafRotator({
      pkiDir: dir,
      leaves: [
        {
          name: 'server',
          current: first,
          issue: (held, ms) => reissue(ca, held.cert, ms),
          use: async (pair) => {
            onDisk.push((await readFile(join(dir, 'server.crt'), 'utf8')) === pair.cert && (await readFile(join(dir, 'server.key'), 'utf8')) === pair.key);
            used.push(pair);
          },
        },
      ],
      policy: { validityMs: 10_000 },
      log: logger('test'),
    });
    rotator.start();
    await until('two renewals', () => used.length >= 2);
    await rotator.stop();
    assert.deepEqual(onDisk.slice(0, 2), [true, true]);
    const [a, b] = used.map((p) => new X509Certificate(p.cert));
    assert.notEqual(a.serialNumber, b.serialNumber);
    // The second came before the first expired, and both are 10 s ones with the first's names and usage.
    assert.ok(Date.parse(b.validFrom) < Date.parse(a.validTo));
    for (const c of [a, b]) {
      assert.ok(Date.parse(c.validTo) - Date.parse(c.validFrom) <= 11_000);
      assert.equal(c.subject, 'CN=gifee-apiserver');
      assert.equal(c.subjectAltName, 'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
      assert.deepEqual(c.keyUsage, ['1.3.6.1.5.5.7.3.1']);
      assert.ok(c.checkIssued(new X509Certificate(ca.cert)));
    }
    assert.ok(keyMatches({ cert: await readFile(join(dir, 'server.crt'), 'utf8'), key: await readFile(join(dir, 'server.key'), 'utf8') }));
    assert.deepEqual((await readdir(dir)).sort(), ['server.crt', 'server.key']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a renewal that fails is tried again; a client certificate keeps its groups', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gifee-rotation-'));
  try {
    const ca = await createCa();
    const first = await issueCert(ca, { commonName: 'system:node:n1', organizations: ['system:nodes'], usage: 'client' });
    let attempts = 0;
    const used: CertPair[] = [];
    const rotator = new LeafRotator({
      pkiDir: dir,
      leaves: [
        {
          name: 'node-n1-client',
          current: first,
          issue: (held, ms) => {
            attempts++;
            if (attempts === 1) return Promise.reject(new Error('disk full'));
            return reissue(ca, held.cert, ms);
          },
          use: (pair) => {
            used.push(pair);
          },
        },
      ],
      policy: { validityMs: 60_000 },
      log: logger('test'),
      retryMs: 100,
    });
    rotator.start();
    await until('a renewal after the failure', () => used.length >= 1);
    await rotator.stop();
    assert.equal(attempts, 2);
    const c = new X509Certificate(used[0].cert);
    assert.equal(c.subject, 'O=system:nodes\nCN=system:node:n1');
    assert.deepEqual(c.keyUsage, ['1.3.6.1.5.5.7.3.2']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('reissue refuses a CA certificate', async () => {
  const ca = await createCa();
  await assert.rejects(() => reissue(ca, ca.cert, 10_000), /CA certificate/);
});

test('leaves that come due while others are being renewed are renewed at once, not at the next planned check', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gifee-rotation-'));
  try {
    const ca = await createCa();
    // Issued two seconds apart under a 10 s policy: the second is due ~2 s after the first, and the
    // first one's renewal is slow (3 s), so the second comes due during it.
    const a = await issueCert(ca, { commonName: 'a', usage: 'client', validityMs: 10_000 });
    await new Promise((r) => setTimeout(r, 2000));
    const b = await issueCert(ca, { commonName: 'b', usage: 'client', validityMs: 10_000 });
    const renewedAt: Record<string, number[]> = { a: [], b: [] };
    const leaf = (name: string, current: CertPair, slowMs: number) => ({
      name,
      current,
      issue: async (held: CertPair, ms: number) => {
        await new Promise((r) => setTimeout(r, slowMs));
        return reissue(ca, held.cert, ms);
      },
      use: () => {
        renewedAt[name].push(Date.now());
      },
    });
    const rotator = new LeafRotator({ pkiDir: dir, leaves: [leaf('a', a, 3000), leaf('b', b, 0)], policy: { validityMs: 10_000 }, log: logger('test') });
    rotator.start();
    await until('b renewed', () => renewedAt.b.length >= 1);
    await rotator.stop();
    // b expired at its notAfter; it was renewed before that.
    assert.ok(renewedAt.b[0] < Date.parse(new X509Certificate(b.cert).validTo), 'b was renewed before it expired');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a renewal cut short between its two renames (new key, old certificate) is reissued at the next start', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gifee-rotation-'));
  try {
    const { componentCerts, ensurePki } = await import('../pki.js');
    const pki = await ensurePki(dir);
    const before = await componentCerts(dir, pki.ca);
    const other = await issueCert(pki.ca, { commonName: 'system:kube-scheduler', usage: 'client' });
    await writeFile(join(dir, 'pki', 'kube-scheduler.key'), other.key);
    const after = await componentCerts(dir, pki.ca);
    assert.notEqual(after.scheduler.cert, before.scheduler.cert);
    assert.ok(keyMatches(after.scheduler));
    assert.equal(after.controllerManager.cert, before.controllerManager.cert, 'the intact pairs are kept');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
