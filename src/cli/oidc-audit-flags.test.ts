import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from './args.js';
import { auditOf, loadAudit } from './audit-flags.js';
import { oidcOf } from './oidc-flags.js';
import { tempDir } from '../../test/helpers/temp-dirs.js';

test('OIDC flags: defaults, repeatable required claims, and refusals', () => {
  assert.equal(oidcOf({}), undefined);
  const c = oidcOf({ 'oidc-issuer-url': 'https://idp.example', 'oidc-client-id': 'k8s', 'oidc-required-claim': ['hd=example.com', 'tier=a=b'] });
  assert.deepEqual({ ...c }, { issuerURL: 'https://idp.example', clientID: 'k8s', usernameClaim: 'sub', usernamePrefix: undefined, groupsClaim: undefined, groupsPrefix: undefined, caFile: undefined, requiredClaims: { hd: 'example.com', tier: 'a=b' }, signingAlgs: ['RS256'] });
  const bad = (f: Record<string, unknown>, re: RegExp) =>
    assert.throws(
      () => oidcOf(f),
      (e: unknown) => e instanceof UsageError && re.test(e.message),
    );
  bad({ 'oidc-issuer-url': 'http://idp.example', 'oidc-client-id': 'k' }, /must be an https URL/);
  bad({ 'oidc-issuer-url': 'https://idp.example' }, /--oidc-client-id is required/);
  bad({ 'oidc-client-id': 'k' }, /--oidc-client-id needs --oidc-issuer-url/);
  bad({ 'oidc-issuer-url': 'https://idp.example', 'oidc-client-id': 'k', 'oidc-signing-algs': 'RS256,HS256' }, /HS256 is not one of/);
  bad({ 'oidc-issuer-url': 'https://idp.example', 'oidc-client-id': 'k', 'oidc-required-claim': ['novalue'] }, /KEY=VALUE/);
});

test('audit flags: both the policy and the path, whole numbers; a bad policy file is a usage error naming the field', async () => {
  assert.equal(auditOf({}), undefined);
  assert.deepEqual(auditOf({ 'audit-policy-file': 'p.yaml', 'audit-log-path': '-', 'audit-log-maxsize': '5' }), { policyFile: 'p.yaml', path: '-', maxSizeMB: 5, maxBackups: undefined, maxAgeDays: undefined });
  assert.throws(() => auditOf({ 'audit-policy-file': 'p.yaml' }), /needs --audit-log-path/);
  assert.throws(() => auditOf({ 'audit-log-path': '/x' }), /needs --audit-policy-file/);
  assert.throws(() => auditOf({ 'audit-log-maxsize': '5' }), /needs --audit-policy-file/);
  assert.throws(() => auditOf({ 'audit-policy-file': 'p', 'audit-log-path': '/x', 'audit-log-maxsize': '1.5' }), /whole number/);
  const dir = tempDir('audit-flags-');
  await writeFile(join(dir, 'bad.yaml'), 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Loud\n');
  await assert.rejects(loadAudit({ policyFile: join(dir, 'bad.yaml'), path: '-' }), (e: unknown) => e instanceof UsageError && /rules\[0\]\.level/.test(e.message));
  await assert.rejects(loadAudit({ policyFile: join(dir, 'missing.yaml'), path: '-' }), /cannot read/);
  await writeFile(join(dir, 'ok.yaml'), 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n');
  assert.equal((await loadAudit({ policyFile: join(dir, 'ok.yaml'), path: '-' })).policy.rules[0].level, 'Metadata');
});
