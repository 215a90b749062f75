import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from './args.js';
import { aggregatorOf, loadAggregation } from './aggregator-flags.js';

test('aggregation flags: Kubernetes header defaults, lists split, pairs and header names checked', () => {
  const d = aggregatorOf({});
  assert.deepEqual([d.usernameHeaders, d.groupHeaders, d.extraHeaderPrefixes, d.allowedNames], [['X-Remote-User'], ['X-Remote-Group'], ['X-Remote-Extra-'], undefined]);
  assert.deepEqual(aggregatorOf({ 'requestheader-allowed-names': 'a, b', 'requestheader-username-headers': 'X-User,X-Remote-User' }).allowedNames, ['a', 'b']);
  assert.throws(() => aggregatorOf({ 'proxy-client-cert-file': 'c.crt' }), UsageError);
  assert.throws(() => aggregatorOf({ 'requestheader-group-headers': 'X Bad' }), UsageError);
});

test('without flags the generated front-proxy PKI is used, allowing front-proxy-client; files given replace it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gifee-agg-flags-'));
  try {
    const gen = await loadAggregation(dir, aggregatorOf({}));
    assert.deepEqual(gen.requestHeader.allowedNames, ['front-proxy-client']);
    assert.match(gen.requestHeader.clientCA, /BEGIN CERTIFICATE/);
    assert.match(gen.proxyClient.key, /BEGIN PRIVATE KEY/);
    // Reused on the next start.
    assert.equal((await loadAggregation(dir, aggregatorOf({}))).proxyClient.cert, gen.proxyClient.cert);
    await writeFile(join(dir, 'rh.crt'), 'CA');
    const own = await loadAggregation(dir, aggregatorOf({ 'requestheader-client-ca-file': join(dir, 'rh.crt') }));
    assert.equal(own.requestHeader.clientCA, 'CA');
    assert.deepEqual(own.requestHeader.allowedNames, []);
    await assert.rejects(loadAggregation(dir, aggregatorOf({ 'requestheader-client-ca-file': join(dir, 'missing') })), UsageError);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
