import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BadTarget, parseRequestTarget, pathSegments } from './request-target.js';

test('origin-form and valid absolute-form targets parse to a path and query', () => {
  assert.equal(parseRequestTarget('/api/v1/pods?limit=1').pathname, '/api/v1/pods');
  assert.equal(parseRequestTarget('/api/v1/pods?limit=1').searchParams.get('limit'), '1');
  assert.equal(parseRequestTarget('http://h:80/version?x=1').pathname, '/version');
  assert.equal(parseRequestTarget('//evil.example/api').pathname, '/evil.example/api'); // a path, never a host
  assert.equal(parseRequestTarget(undefined).pathname, '/');
  assert.deepEqual(pathSegments(parseRequestTarget('/a/%6E%6F/c').pathname), ['a', 'no', 'c']);
});

test('undecodable escapes, bad absolute-form and odd targets are BadTarget', () => {
  for (const t of ['/api/v1/namespaces/%ZZ/pods', '/api/%', '/version%ZZ', '/%E0%A4%A', 'http://a:99999/', 'https://[::1/x', '*', 'ftp://x/', 'api', '/' + 'a'.repeat(20_000)]) {
    assert.throws(() => parseRequestTarget(t), BadTarget, t);
  }
});

test('any string either parses to decodable segments or is BadTarget, never another throw', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.webUrl(), fc.webPath(), fc.string({ unit: fc.constantFrom('%', '/', 'a', 'Z', '0', 'E', '?', '#', ':', '[', ']', '@', '.') })), (s) => {
      try {
        const u = parseRequestTarget(s);
        for (const seg of pathSegments(u.pathname)) assert.equal(typeof seg, 'string');
      } catch (e) {
        if (!(e instanceof BadTarget)) throw e;
      }
    }),
    { numRuns: 2000 },
  );
});
