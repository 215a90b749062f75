import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../api/kind.js';
import { tokenSecretData } from '../api/bootstrap-token.js';
import type { ApiState } from './context.js';
import { bootstrapTokenAuthenticator } from './bootstrap-token-authn.js';

function stateWith(secrets: Record<string, KObject>): ApiState {
  return {
    registry: { byResource: () => ({ plural: 'secrets' }) },
    objects: () => ({ get: async (_ns: string, name: string) => (secrets[name] ? { obj: secrets[name], revision: 1 } : null) }),
  } as unknown as ApiState;
}

const secret = (o: Parameters<typeof tokenSecretData>[0], extra: Record<string, string> = {}, meta: Record<string, unknown> = {}): KObject => ({
  type: 'bootstrap.kubernetes.io/token',
  metadata: { name: `bootstrap-token-${o.id}`, namespace: 'kube-system', ...meta },
  data: Object.fromEntries(Object.entries({ ...tokenSecretData(o), ...extra }).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
});

test('a valid token is system:bootstrap:<id> in system:bootstrappers and its extra groups', async () => {
  const a = bootstrapTokenAuthenticator(stateWith({ 'bootstrap-token-abcdef': secret({ id: 'abcdef', secret: '0123456789abcdef', extraGroups: ['system:bootstrappers:workers'] }) }));
  const r = await a.authenticateToken('abcdef.0123456789abcdef');
  assert.equal(r?.user.name, 'system:bootstrap:abcdef');
  assert.deepEqual(r?.user.groups, ['system:bootstrappers', 'system:bootstrappers:workers', 'system:authenticated']);
});

test('wrong secret, expired, deleting, not for authentication, foreign groups, unknown id, other shapes: not authenticated', async () => {
  const past = '2000-01-01T00:00:00Z';
  const secrets = {
    'bootstrap-token-aaaaaa': secret({ id: 'aaaaaa', secret: '0123456789abcdef', expiration: past }),
    'bootstrap-token-bbbbbb': secret({ id: 'bbbbbb', secret: '0123456789abcdef' }, {}, { deletionTimestamp: '2026-01-01T00:00:00Z' }),
    'bootstrap-token-cccccc': secret({ id: 'cccccc', secret: '0123456789abcdef' }, { 'usage-bootstrap-authentication': 'false' }),
    'bootstrap-token-dddddd': secret({ id: 'dddddd', secret: '0123456789abcdef' }, { 'auth-extra-groups': 'system:masters' }),
    'bootstrap-token-eeeeee': secret({ id: 'ffffff', secret: '0123456789abcdef' }),
    'bootstrap-token-gggggg': secret({ id: 'gggggg', secret: '0123456789abcdef' }),
  };
  const a = bootstrapTokenAuthenticator(stateWith(secrets));
  for (const t of ['gggggg.0123456789abcdee', 'aaaaaa.0123456789abcdef', 'bbbbbb.0123456789abcdef', 'cccccc.0123456789abcdef', 'dddddd.0123456789abcdef', 'eeeeee.0123456789abcdef', 'zzzzzz.0123456789abcdef', 'gggggg.0123456789abcdef.x', 'not-a-token']) {
    assert.equal(await a.authenticateToken(t), null, t);
  }
  assert.ok(await a.authenticateToken('gggggg.0123456789abcdef'));
});
