// CA rotation on a real data dir's PKI (ensurePki and friends): a new CA signs, every leaf the old
// one signed is reissued by it, both are trusted until --finish; a run cut short resumes.

import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { componentCerts, CROSS_CA_FILE, ensureFrontProxyPki, ensureNodeClientCert, ensurePki, keyMatches, PREVIOUS_CA_FILE } from '../pki.js';
import tls from 'node:tls';
import { finishCaRotation, rotateCa } from './rotate-ca.js';

const pem = (dir: string, name: string) => readFile(join(dir, 'pki', `${name}.crt`), 'utf8');
const signedBy = (leaf: string, ca: string) => {
  const c = new X509Certificate(leaf);
  const a = new X509Certificate(ca);
  return c.checkIssued(a) && c.verify(a.publicKey);
};
const certsIn = (bundle: string) => bundle.match(/-----BEGIN CERTIFICATE-----/g)?.length ?? 0;

test('rotate-ca: a new CA reissues every leaf of the old one, both trusted until --finish', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gifee-rotate-ca-'));
  try {
    const pki = await ensurePki(dir);
    await componentCerts(dir, pki.ca);
    await ensureNodeClientCert(dir, pki.ca, 'n1');
    await ensureFrontProxyPki(dir);
    const frontProxyClient = await pem(dir, 'front-proxy-client');
    const oldCa = pki.ca.cert;
    assert.equal(certsIn(pki.trust), 1);

    const r = await rotateCa(join(dir, 'pki'));
    const newCa = await pem(dir, 'ca');
    assert.notEqual(newCa, oldCa);
    assert.equal(await pem(dir, 'ca-previous'), oldCa);
    assert.ok(keyMatches({ cert: newCa, key: await readFile(join(dir, 'pki', 'ca.key'), 'utf8') }));
    assert.deepEqual(r.reissued.sort(), ['admin', 'kube-apiserver-kubelet-client', 'kube-controller-manager', 'kube-scheduler', 'node-n1-client', 'server'].sort());
    for (const name of r.reissued) {
      assert.ok(signedBy(await pem(dir, name), newCa), `${name} is signed by the new CA`);
      assert.ok(keyMatches({ cert: await pem(dir, name), key: await readFile(join(dir, 'pki', `${name}.key`), 'utf8') }));
    }
    // Same identity and lifetime as before: the admin certificate keeps its ten years and its group.
    const admin = new X509Certificate(await pem(dir, 'admin'));
    assert.equal(admin.subject, 'O=system:masters\nCN=system:admin');
    assert.ok(Date.parse(admin.validTo) - Date.now() > 9 * 365 * 24 * 3600 * 1000);
    // The front proxy has a CA of its own: untouched.
    assert.equal(await pem(dir, 'front-proxy-client'), frontProxyClient);
    // A server started now trusts both, and signs with the new one.
    const during = await ensurePki(dir);
    assert.equal(certsIn(during.trust), 2);
    assert.equal(during.ca.cert, newCa);
    // Running it again changes nothing.
    assert.deepEqual((await rotateCa(join(dir, 'pki'))).reissued, []);

    await finishCaRotation(join(dir, 'pki'));
    assert.equal(existsSync(join(dir, 'pki', PREVIOUS_CA_FILE)), false);
    assert.equal((await ensurePki(dir)).trust, newCa);
    await assert.rejects(() => finishCaRotation(join(dir, 'pki')), /no CA rotation is under way/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('rotate-ca resumes a run cut short between the new CA and its leaves; --finish refuses until it did', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gifee-rotate-ca-'));
  try {
    const pki = await ensurePki(dir);
    const p = join(dir, 'pki');
    // As if cut after step 1 and the key's rename of step 2: ca-previous.crt, ca.key new, ca-next.crt pending.
    const { createCa } = await import('../pki.js');
    const next = await createCa('gifee-ca-next');
    await writeFile(join(p, PREVIOUS_CA_FILE), pki.ca.cert);
    await writeFile(join(p, 'ca-next.crt'), next.cert);
    await writeFile(join(p, 'ca-next.key'), next.key);
    await rename(join(p, 'ca-next.key'), join(p, 'ca.key'));
    await assert.rejects(() => finishCaRotation(p), /cut short: run gifee certs rotate-ca again/);
    const r = await rotateCa(p);
    assert.equal(await pem(dir, 'ca'), next.cert);
    assert.ok(r.reissued.includes('server'));
    assert.ok(signedBy(await pem(dir, 'server'), next.cert));
    await finishCaRotation(p);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/** Whether a client trusting `ca` alone completes a verified handshake with a server presenting `cert` (a chain). */
async function handshake(cert: string, key: string, ca: string): Promise<boolean> {
  const server = tls.createServer({ cert, key }, (s) => s.end());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const port = (server.address() as { port: number }).port;
    return await new Promise<boolean>((resolve) => {
      const s = tls.connect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => {
        resolve(s.authorized);
        s.destroy();
      });
      s.on('error', () => resolve(false));
    });
  } finally {
    server.close();
  }
}

test('during a CA rotation the server certificate comes with the new CA cross-signed by the old one: clients trusting either CA alone verify it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gifee-rotate-ca-'));
  try {
    const before = await ensurePki(dir);
    assert.equal(before.chain, '');
    const oldCa = before.ca.cert;
    await rotateCa(join(dir, 'pki'));
    const during = await ensurePki(dir);
    const newCa = during.ca.cert;
    assert.notEqual(during.chain, '');
    const cross = new X509Certificate(during.chain);
    assert.ok(cross.ca);
    assert.equal(cross.subject, new X509Certificate(newCa).subject);
    assert.ok(signedBy(during.chain, oldCa), 'the cross-signed certificate is signed by the old CA');
    // The new leaf alone verifies with the new CA only; with the cross-signed certificate after it, with either.
    assert.equal(await handshake(during.server.cert, during.server.key, oldCa), false);
    assert.equal(await handshake(during.server.cert + during.chain, during.server.key, oldCa), true);
    assert.equal(await handshake(during.server.cert + during.chain, during.server.key, newCa), true);
    assert.equal(await handshake(during.server.cert + during.chain, during.server.key, during.trust), true);
    // A client trusting some other CA is still refused.
    const { createCa } = await import('../pki.js');
    assert.equal(await handshake(during.server.cert + during.chain, during.server.key, (await createCa('other')).cert), false);
    // A cross-signed file that is not the signing CA's key is not served.
    await writeFile(join(dir, 'pki', CROSS_CA_FILE), (await createCa('gifee-ca-forged')).cert);
    assert.equal((await ensurePki(dir)).chain, '');
    await writeFile(join(dir, 'pki', CROSS_CA_FILE), during.chain);
    await finishCaRotation(join(dir, 'pki'));
    assert.equal(existsSync(join(dir, 'pki', CROSS_CA_FILE)), false);
    assert.equal((await ensurePki(dir)).chain, '');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
