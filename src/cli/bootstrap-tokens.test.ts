import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError, type RestClient } from '../client/rest.js';
import { ensureTokenSecret, TokenSecretContendedError } from './bootstrap-tokens.js';

/** A client whose Secret already exists: `held` is the token it holds (base64 data as the API returns it). */
function clientHolding(held: () => { id: string; secret: string } | undefined) {
  const calls: string[] = [];
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const client = {
    create: async () => {
      calls.push('create');
      throw new StatusError(409, 'AlreadyExists', 'exists');
    },
    get: async () => {
      calls.push('get');
      const h = held();
      return h && { type: 'bootstrap.kubernetes.io/token', data: { 'token-id': b64(h.id), 'token-secret': b64(h.secret), 'usage-bootstrap-authentication': b64('true') } };
    },
    delete: async () => {
      calls.push('delete');
    },
  } as unknown as RestClient;
  return { client, calls };
}

test('the join token Secret: kept when it holds the token already', async () => {
  const { client, calls } = clientHolding(() => ({ id: 'abcdef', secret: '0123456789abcdef' }));
  await ensureTokenSecret(client, { id: 'abcdef', secret: '0123456789abcdef' });
  assert.deepEqual(calls, ['create', 'get']);
});

test('the join token Secret: one that keeps holding another token is an error after three rounds, not a silent success', async () => {
  const { client, calls } = clientHolding(() => ({ id: 'abcdef', secret: 'ffffffffffffffff' }));
  await assert.rejects(ensureTokenSecret(client, { id: 'abcdef', secret: '0123456789abcdef' }), TokenSecretContendedError);
  assert.deepEqual(calls, ['create', 'get', 'delete', 'create', 'get', 'delete', 'create', 'get', 'delete']);
});
