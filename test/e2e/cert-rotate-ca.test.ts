// CA rotation as an operator does it: stop the server, `gifee certs rotate-ca`, start it: it serves a
// certificate from the new CA, its kubeconfig carries both CAs and kubectl works; stop,
// `gifee certs rotate-ca --finish`, start: the kubeconfig carries the new CA alone, kubectl works.
// During the switch the server sends the new CA cross-signed by the old one after its certificate:
// a kubeconfig that trusts the old CA alone (handed out before the rotation) works, and one that
// trusts the new CA alone too; after --finish the old CA's alone no longer does.

import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { parse as parseYaml, stringify } from 'yaml';
import { cliCommand, kubectlBinary, repoRoot, startCluster, type Cluster } from '../helpers/cluster.js';
import { until, untilProcessGone } from '../helpers/wait.js';

let c: Cluster;

/** The serving certificate on the server's loopback port. */
function served(): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port: Number(new URL(c.url).port), rejectUnauthorized: false }, () => {
      const raw = s.getPeerCertificate().raw;
      s.destroy();
      resolve(new X509Certificate(raw));
    });
    s.once('error', reject);
  });
}

const gifee = (args: string[]) =>
  promisify(execFile)(process.execPath, [...cliCommand(), ...args], { cwd: repoRoot }).then(
    (r) => ({ stdout: String(r.stdout), stderr: String(r.stderr), code: 0 }),
    (e: { stdout: string; stderr: string; code: number }) => ({ stdout: String(e.stdout), stderr: String(e.stderr), code: e.code }),
  );

/** The CA certificates in the kubeconfig the server wrote. */
async function kubeconfigCAs(): Promise<string[]> {
  const kc = parseYaml(await readFile(c.kubeconfig, 'utf8'));
  const pem = Buffer.from(kc.clusters[0].cluster['certificate-authority-data'], 'base64').toString();
  return pem.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? [];
}

/** kubectl with the server's kubeconfig, but trusting only this CA (PEM). */
async function kubectlTrusting(ca: string, name: string, args: string[]): Promise<{ code: number; out: string }> {
  const kc = parseYaml(await readFile(c.kubeconfig, 'utf8'));
  for (const cl of kc.clusters) cl.cluster['certificate-authority-data'] = Buffer.from(ca).toString('base64');
  const file = join(c.dataDir, `kubeconfig-${name}`);
  await writeFile(file, stringify(kc), { mode: 0o600 });
  return promisify(execFile)(kubectlBinary, ['--kubeconfig', file, ...args], { timeout: 60_000 }).then(
    (r) => ({ code: 0, out: String(r.stdout) }),
    (e: { stdout: string; stderr: string; code: number }) => ({ code: e.code || 1, out: String(e.stdout) + String(e.stderr) }),
  );
}

/** Stops the server (SIGTERM) and waits until it is gone. */
async function stopServer() {
  const pid = c.pid;
  process.kill(pid, 'SIGTERM');
  await untilProcessGone(pid);
}

before(async () => {
  c = await startCluster({ agent: false });
});

after(async () => {
  await c?.stop();
});

test('rotate-ca on the stopped server: the restarted one serves a certificate of the new CA, kubectl works with the bundle; --finish drops the old CA', async () => {
  const pki = join(c.dataDir, 'pki');
  const oldCaPem = await readFile(join(pki, 'ca.crt'), 'utf8');
  const oldCa = new X509Certificate(oldCaPem);
  assert.ok((await served()).checkIssued(oldCa));

  // Refused while the server runs: it holds the old CA.
  const refused = await gifee(['certs', 'rotate-ca', '--data-dir', c.dataDir]);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /stop it first/);

  await stopServer();
  const rotated = await gifee(['certs', 'rotate-ca', '--data-dir', c.dataDir]);
  assert.equal(rotated.code, 0, rotated.stderr);
  assert.match(rotated.stdout, /reissued \d+ certificates: .*server/);
  const newCa = new X509Certificate(await readFile(join(pki, 'ca.crt'), 'utf8'));
  assert.notEqual(newCa.fingerprint256, oldCa.fingerprint256);

  await c.restart();
  const cert = await served();
  assert.ok(cert.checkIssued(newCa) && cert.verify(newCa.publicKey), 'the served certificate is signed by the new CA');
  // The server rewrites its kubeconfig once it listens (ready may be seen a moment before).
  await until('the kubeconfig to trust both CAs during the switch', async () => (await kubeconfigCAs()).length === 2);
  assert.match((await c.kubectl(['get', 'namespaces', '-o', 'name'])).stdout, /namespace\/kube-system/);
  // The admin client certificate in the kubeconfig is the new CA's too (kubectl was authenticated with it).
  assert.match((await c.kubectl(['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}'])).stdout, /^system:admin$/);
  // A kubeconfig handed out before the rotation (the old CA alone) verifies the server through the
  // cross-signed certificate it sends; one with the new CA alone verifies it directly.
  const newCaPem = await readFile(join(pki, 'ca.crt'), 'utf8');
  const oldOnly = await kubectlTrusting(oldCaPem, 'old-ca', ['get', 'namespaces', '-o', 'name']);
  assert.equal(oldOnly.code, 0, oldOnly.out);
  assert.match(oldOnly.out, /namespace\/kube-system/);
  const newOnly = await kubectlTrusting(newCaPem, 'new-ca', ['get', 'namespaces', '-o', 'name']);
  assert.equal(newOnly.code, 0, newOnly.out);
  assert.match(newOnly.out, /namespace\/kube-system/);
  // certs check lists the new CA and the previous one, all fine.
  const check = await gifee(['certs', 'check', '--data-dir', c.dataDir, '-o', 'json']);
  assert.equal(check.code, 0, check.stdout);
  assert.ok((JSON.parse(check.stdout).items as { file: string }[]).some((r) => r.file === 'ca-previous.crt'));

  await stopServer();
  const finished = await gifee(['certs', 'rotate-ca', '--data-dir', c.dataDir, '--finish']);
  assert.equal(finished.code, 0, finished.stderr);
  await c.restart();
  await until('the kubeconfig to trust the new CA alone', async () => {
    const only = await kubeconfigCAs();
    return only.length === 1 && new X509Certificate(only[0]).fingerprint256 === newCa.fingerprint256;
  });
  assert.match((await c.kubectl(['get', 'namespaces', '-o', 'name'])).stdout, /namespace\/kube-system/);
  // The switch is over: no cross-signed certificate is sent, the old CA alone verifies nothing.
  const stale = await kubectlTrusting(oldCaPem, 'old-ca', ['get', 'namespaces', '-o', 'name']);
  assert.notEqual(stale.code, 0, stale.out);
  assert.match(stale.out, /certificate|x509/i);
  assert.equal((await kubectlTrusting(newCaPem, 'new-ca', ['get', 'namespaces', '-o', 'name'])).code, 0);
});
