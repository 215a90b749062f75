import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { authenticate, bearerTokenOf, type TokenAuthenticator } from './authn.js';

const req = (authorization?: string) => ({ headers: authorization === undefined ? {} : { authorization }, socket: {} }) as unknown as IncomingMessage;
const only = (good: string): TokenAuthenticator => ({ name: 'test', authenticateToken: (t) => (t === good ? { user: { name: 'u', groups: [] } } : null) });

test('bearer tokens: read from the Authorization header, malformed headers count as presented', () => {
  assert.equal(bearerTokenOf(req()), undefined);
  assert.equal(bearerTokenOf(req('Bearer abc')), 'abc');
  assert.equal(bearerTokenOf(req('bearer  abc ')), 'abc');
  assert.equal(bearerTokenOf(req('Basic abc')), '');
  assert.equal(bearerTokenOf(req('Bearer a b')), '');
});

test('a token nobody accepts is a failed authentication, not an anonymous request', async () => {
  assert.deepEqual(await authenticate(req(), [], [only('good')]), { user: null, credentialsPresented: false });
  assert.deepEqual(await authenticate(req('Bearer bad'), [], [only('good')]), { user: null, credentialsPresented: true });
  assert.equal((await authenticate(req('Bearer good'), [], [only('good')])).user?.name, 'u');
});
