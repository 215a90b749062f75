import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createCa, issueCert } from '../pki.js';
import { certExpiry } from './expiry.js';

const DAY = 24 * 3600 * 1000;

test('a leaf certificate: ok, then due at restart in its last 30 days, then expired; a CA is never "renews at restart"', async () => {
  const ca = await createCa('test-ca');
  const leaf = await issueCert(ca, { commonName: 'system:kube-scheduler', usage: 'client' });
  const now = Date.now();
  const fresh = certExpiry('kube-scheduler.crt', leaf.cert, now);
  assert.equal(fresh.status, 'ok');
  assert.equal(fresh.subject, 'system:kube-scheduler');
  assert.equal(fresh.issuer, 'test-ca');
  assert.equal(fresh.ca, false);
  assert.ok(fresh.residualDays! >= 364 && fresh.residualDays! <= 366);
  assert.equal(certExpiry('x', leaf.cert, now + 350 * DAY).status, 'renews-at-restart');
  const gone = certExpiry('x', leaf.cert, now + 400 * DAY);
  assert.equal(gone.status, 'expired');
  assert.ok(gone.residualDays! < 0);
  assert.match(gone.action!, /restart the server/);
  assert.equal(certExpiry('x', leaf.cert, now - 2 * DAY).status, 'not-yet-valid');
  const caRow = certExpiry('ca.crt', ca.cert, now + 3640 * DAY);
  assert.equal(caRow.ca, true);
  assert.equal(caRow.status, 'ok');
  assert.match(certExpiry('ca.crt', ca.cert, now + 3700 * DAY).action!, /CA cannot be renewed/);
});

test('garbage, an empty file and a key in place of a certificate are reported, never thrown', () => {
  for (const pem of ['', 'not a cert', '-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n', '\u0000'.repeat(100)]) {
    const r = certExpiry('bad.crt', pem);
    assert.equal(r.status, 'unreadable');
    assert.ok(r.error);
  }
});
