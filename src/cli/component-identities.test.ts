import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { componentCerts, ensurePki, issueNodeClientCert, serviceAccountCerts } from './pki.js';
import { embeddedAgentCredentials } from './agent.js';
import { CONTROLLER_SERVICE_ACCOUNTS } from '../controllers/service-accounts.js';

const subject = (pem: string) => new X509Certificate(pem).subject.split('\n').sort().join(', ');

test('each component has an identity of its own, none in system:masters, all signed by the cluster CA', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gifee-identities-'));
  try {
    const pki = await ensurePki(dir, ['127.0.0.1']);
    const ca = new X509Certificate(pki.ca.cert);
    const ids = await componentCerts(dir, pki.ca);
    assert.equal(subject(ids.scheduler.cert), 'CN=system:kube-scheduler');
    assert.equal(subject(ids.controllerManager.cert), 'CN=system:kube-controller-manager');
    assert.equal(subject(ids.kubeletClient.cert), 'CN=kube-apiserver-kubelet-client');
    const sas = await serviceAccountCerts(dir, pki.ca, 'kube-system', Object.values(CONTROLLER_SERVICE_ACCOUNTS));
    assert.equal(subject(sas['job-controller'].cert), 'CN=system:serviceaccount:kube-system:job-controller, O=system:serviceaccounts, O=system:serviceaccounts:kube-system');
    assert.equal(Object.keys(sas).length, new Set(Object.values(CONTROLLER_SERVICE_ACCOUNTS)).size);
    const node = await embeddedAgentCredentials(dir, pki, 'n1', '127.0.0.1');
    assert.equal(subject(node.client.cert), 'CN=system:node:n1, O=system:nodes');
    assert.equal(subject((await issueNodeClientCert(pki.ca, 'n2')).cert), 'CN=system:node:n2, O=system:nodes');
    // The serving certificate serves only: it is no client credential.
    assert.ok(new X509Certificate(node.serving.cert).checkIP('127.0.0.1'));
    for (const pem of [ids.scheduler.cert, ids.controllerManager.cert, ids.kubeletClient.cert, sas['job-controller'].cert, node.client.cert, node.serving.cert]) {
      assert.ok(new X509Certificate(pem).verify(ca.publicKey));
      assert.ok(!subject(pem).includes('system:masters'));
    }
    // Reused on the next start, not reissued.
    assert.equal((await componentCerts(dir, pki.ca)).scheduler.cert, ids.scheduler.cert);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
