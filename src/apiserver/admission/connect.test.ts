// The options object a CONNECT shows admission, from the request's query as kubectl sends it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectKind, connectOptions } from './connect.js';

test('exec, attach and portforward options: only the fields that are set, booleans as the parameter codec reads them', () => {
  const exec = connectOptions('exec', new URLSearchParams('command=sh&command=-c&command=id&container=main&stdin=true&stdout=1&stderr=false&tty=False'));
  assert.deepEqual(exec, { kind: 'PodExecOptions', apiVersion: 'v1', stdin: true, stdout: true, container: 'main', command: ['sh', '-c', 'id'] });
  assert.deepEqual(connectOptions('attach', new URLSearchParams('stdout=true&command=ignored')), { kind: 'PodAttachOptions', apiVersion: 'v1', stdout: true });
  assert.deepEqual(connectOptions('portforward', new URLSearchParams('ports=8080,9090&ports=x')), { kind: 'PodPortForwardOptions', apiVersion: 'v1', ports: [8080, 9090] });
  assert.deepEqual(connectKind(exec), { group: '', version: 'v1', kind: 'PodExecOptions' });
});

test('a hostile query with too many command words is a bad request, not a huge review', () => {
  const q = new URLSearchParams();
  for (let i = 0; i < 2000; i++) q.append('command', 'x');
  assert.throws(
    () => connectOptions('exec', q),
    (e: { code?: number }) => e.code === 400,
  );
});
