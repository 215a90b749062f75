// A joined agent's CA bundle refresh: which bundles it takes (the rotated cluster's, through the
// cross-signed certificate the server sends; the finished rotation's, a subset) and which it refuses
// (another cluster's CA, a leaf, garbage, too large, one that would cut it off), and the refresher
// against a real TLS server: written atomically, handed on, stopped promptly.

import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { logger } from '../util/log.js';
import { acceptCaBundle, CaBundleRefresher, MAX_BUNDLE_BYTES } from './ca-bundle.js';
import { type CertPair, createCa, crossSign, issueCert } from './pki.js';

const x = (pem: string) => new X509Certificate(pem);
const serving = (ca: CertPair) => issueCert(ca, { commonName: 'gifee-apiserver', usage: 'server', dnsNames: ['localhost'], ips: ['127.0.0.1'] });

test('acceptCaBundle: takes the rotated bundle through the cross-signed certificate, and the finished one; refuses the rest', async () => {
  const oldCa = await createCa('gifee-ca');
  const newCa = await createCa('gifee-ca-next');
  const cross = await crossSign(oldCa, newCa.cert);
  const other = await createCa('gifee-ca-other');
  const leafNew = await serving(newCa);
  const leafOld = await serving(oldCa);
  const during = newCa.cert + oldCa.cert;

  // Mid-rotation: new + old, the new CA vouched for by the cross-signed certificate in the server's chain.
  const taken = acceptCaBundle(oldCa.cert, during, [x(leafNew.cert), x(cross), x(oldCa.cert)]);
  assert.ok(taken.ok && taken.changed, JSON.stringify(taken));
  assert.equal(taken.bundle.match(/BEGIN CERTIFICATE/g)?.length, 2);
  // Without the cross-signed certificate the new CA is nobody's.
  const alone = acceptCaBundle(oldCa.cert, during, [x(leafNew.cert)]);
  assert.ok(!alone.ok && /neither trusted already nor signed/.test(alone.why));
  // The cross-signed certificate itself in a bundle is signed by a trusted CA: taken.
  assert.ok(acceptCaBundle(oldCa.cert, cross + oldCa.cert, [x(leafNew.cert)]).ok);
  // The same bundle again: nothing changes.
  const same = acceptCaBundle(during, during, [x(leafNew.cert), x(cross)]);
  assert.ok(same.ok && !same.changed);
  // Finished: the new CA alone, already trusted.
  const finished = acceptCaBundle(during, newCa.cert, [x(leafNew.cert)]);
  assert.ok(finished.ok && finished.changed);

  // Another cluster's CA, even with a "cross-signed" certificate that another CA signed.
  const forged = await crossSign(other, newCa.cert);
  const hostile = acceptCaBundle(oldCa.cert, other.cert + oldCa.cert, [x(leafOld.cert)]);
  assert.ok(!hostile.ok && /gifee-ca-other/.test(hostile.why));
  assert.ok(!acceptCaBundle(oldCa.cert, during, [x(leafNew.cert), x(forged)]).ok);
  // A cross-signed certificate of another key under the new CA's name.
  const impostor = await createCa('gifee-ca-next');
  assert.ok(!acceptCaBundle(oldCa.cert, impostor.cert + oldCa.cert, [x(leafNew.cert), x(cross)]).ok);
  // A leaf is no CA; garbage does not parse; an empty answer holds nothing; a huge one is refused unread.
  assert.match((acceptCaBundle(oldCa.cert, leafOld.cert, [x(leafOld.cert)]) as { why: string }).why, /not a CA certificate/);
  assert.ok(!acceptCaBundle(oldCa.cert, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', [x(leafOld.cert)]).ok);
  assert.match((acceptCaBundle(oldCa.cert, 'hello', [x(leafOld.cert)]) as { why: string }).why, /no certificate/);
  assert.match((acceptCaBundle(oldCa.cert, `${oldCa.cert}-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----\n`, [x(leafOld.cert)]) as { why: string }).why, /not a certificate/);
  assert.match((acceptCaBundle(oldCa.cert, oldCa.cert + oldCa.key, [x(leafOld.cert)]) as { why: string }).why, /not a certificate/);
  assert.match((acceptCaBundle(oldCa.cert, oldCa.cert + ' '.repeat(MAX_BUNDLE_BYTES), [x(leafOld.cert)]) as { why: string }).why, /larger than/);
  // A bundle that would not verify the server it came from (it would cut the agent off).
  assert.match((acceptCaBundle(during, newCa.cert, [x(leafOld.cert)]) as { why: string }).why, /signed the server's certificate/);
});

test('CaBundleRefresher: asks over verified TLS, writes the new bundle whole and hands it on; refuses a hostile one; stops at once', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gifee-ca-bundle-'));
  const oldCa = await createCa('gifee-ca');
  const newCa = await createCa('gifee-ca-next');
  const cross = await crossSign(oldCa, newCa.cert);
  const leaf = await serving(newCa);
  let answer = newCa.cert + oldCa.cert;
  const server = https.createServer({ cert: leaf.cert + cross, key: leaf.key }, (req, res) => res.end(req.url === '/cacerts' ? answer : ''));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `https://127.0.0.1:${(server.address() as { port: number }).port}`;
  const file = join(dir, 'ca.crt');
  await writeFile(file, oldCa.cert);
  const changes: string[] = [];
  const r = new CaBundleRefresher({ servers: () => ['https://127.0.0.1:1', url], current: oldCa.cert, file, onChange: (b) => void changes.push(b), log: logger('test'), intervalMs: 20 });
  try {
    assert.equal(await r.refresh(), 'changed');
    assert.equal(changes.length, 1);
    assert.equal(await readFile(file, 'utf8'), changes[0]);
    assert.equal(r.bundle, changes[0]);
    assert.deepEqual((await readdir(dir)).sort(), ['ca.crt']);
    assert.equal(await r.refresh(), 'same');
    // Another cluster's CA slipped in: refused, the file kept.
    answer = (await createCa('evil')).cert + newCa.cert;
    assert.equal(await r.refresh(), 'refused');
    assert.equal(await readFile(file, 'utf8'), changes[0]);
    // The periodic round takes the finished rotation's bundle.
    answer = newCa.cert;
    r.start();
    const deadline = Date.now() + 5000;
    while (changes.length < 2 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
    assert.equal(changes.length, 2);
    assert.equal(x(await readFile(file, 'utf8')).fingerprint256, x(newCa.cert).fingerprint256);
  } finally {
    const t = Date.now();
    await r.stop();
    assert.ok(Date.now() - t < 1000, 'stop is prompt');
    server.close();
    server.closeAllConnections();
    await rm(dir, { recursive: true, force: true });
  }
});

test('CaBundleRefresher.stop cuts a request under way to a server that never answers', async () => {
  // Takes the connection, never answers the TLS handshake.
  const held: import('node:net').Socket[] = [];
  const silent = net.createServer((s) => void held.push(s));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const ca = await createCa('y');
  const r = new CaBundleRefresher({ servers: () => [`https://127.0.0.1:${(silent.address() as { port: number }).port}`], current: ca.cert, file: join(tmpdir(), 'never-written'), onChange: () => assert.fail('no change'), log: logger('test'), intervalMs: 1 });
  r.start();
  await new Promise((res) => setTimeout(res, 100));
  const t = Date.now();
  await r.stop();
  assert.ok(Date.now() - t < 1000, 'stop is prompt');
  for (const s of held) s.destroy();
  silent.close();
});
