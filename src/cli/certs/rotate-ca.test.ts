// CA rotation on a real data dir's PKI (ensurePki and friends): a new CA signs, every leaf the old
// one signed is reissued by it, both are trusted until --finish; a run cut short resumes.

import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { componentCerts, ensureFrontProxyPki, ensureNodeClientCert, ensurePki, keyMatches, PREVIOUS_CA_FILE } from '../pki.js';
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
