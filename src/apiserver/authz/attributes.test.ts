import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRequestInfo } from '../request-info.js';
import { attributesOf, exactNameOf } from './attributes.js';

const user = { name: 'system:node:a', groups: ['system:nodes'] };

test('a list or watch by metadata.name field selector is about that object, as Kubernetes reads it', () => {
  const q = new URLSearchParams('watch=true&fieldSelector=metadata.name%3Dmy-secret');
  const a = attributesOf('GET', parseRequestInfo('GET', '/api/v1/namespaces/ns/secrets', q), user, q);
  assert.deepEqual([a.verb, a.namespace, a.name], ['watch', 'ns', 'my-secret']);
  assert.equal(exactNameOf('spec.nodeName=a,metadata.name==x'), 'x');
  for (const bad of [null, '', 'metadata.name!=x', 'metadata.namespace=x', 'metadata.name=', 'metadata.name=..', 'metadata.name=a/b', 'metadata.name=a\\,b']) assert.equal(exactNameOf(bad), undefined, String(bad));
  // A get keeps its path's name; a list without the selector has none.
  const plain = new URLSearchParams('');
  assert.equal(attributesOf('GET', parseRequestInfo('GET', '/api/v1/namespaces/ns/secrets', plain), user, plain).name, undefined);
});
