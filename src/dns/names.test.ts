import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseName, reverseName, undashIP } from './names.js';

const z = 'cluster.local';

test('service, endpoint, port, pod and namespace names', () => {
  assert.deepEqual(parseName('Web.Default.svc.cluster.local.', z), { kind: 'service', namespace: 'default', service: 'web' });
  assert.deepEqual(parseName('web-0.db.prod.svc.cluster.local', z), { kind: 'endpoint', namespace: 'prod', service: 'db', endpoint: 'web-0' });
  assert.deepEqual(parseName('_http._tcp.web.default.svc.cluster.local', z), { kind: 'port', namespace: 'default', service: 'web', port: 'http', protocol: 'tcp' });
  assert.deepEqual(parseName('10-42-0-7.default.pod.cluster.local', z), { kind: 'pod', namespace: 'default', ip: '10.42.0.7' });
  assert.deepEqual(parseName('default.svc.cluster.local', z), { kind: 'namespace', namespace: 'default' });
  assert.deepEqual(parseName('svc.cluster.local', z), { kind: 'parent' });
  assert.deepEqual(parseName('cluster.local', z), { kind: 'apex' });
  assert.deepEqual(parseName('dns-version.cluster.local', z), { kind: 'version' });
});

test('names that cannot exist in the zone, and names outside it', () => {
  assert.equal(parseName('a.b.c.d.e.svc.cluster.local', z).kind, 'invalid');
  assert.equal(parseName('http.tcp.web.default.svc.cluster.local', z).kind, 'invalid');
  assert.equal(parseName('10-42-0-300.default.pod.cluster.local', z).kind, 'invalid');
  assert.equal(parseName('foo.cluster.local', z).kind, 'invalid');
  assert.equal(parseName('example.com', z).kind, 'external');
  assert.equal(parseName('notcluster.local', z).kind, 'external');
});

test('reverse names', () => {
  assert.deepEqual(parseName('7.0.42.10.in-addr.arpa.', z), { kind: 'reverse', ip: '10.42.0.7' });
  assert.equal(parseName('0.42.10.in-addr.arpa', z).kind, 'external');
  assert.equal(reverseName('10.43.0.1'), '1.0.43.10.in-addr.arpa');
  assert.equal(undashIP('10-1-2-3'), '10.1.2.3');
  assert.equal(undashIP('web-0'), undefined);
});
