import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../util/log.js';
import { lastResort } from './last-resort.js';

test('an error that escaped a handler is a 500 Status and one log line; mid-answer, the connection is cut', async () => {
  const logged: string[] = [];
  const log = { error: (m: string) => void logged.push(m), warn() {}, info() {}, debug() {}, child: () => log } as unknown as Logger;
  const server = http.createServer((req, res) => {
    if (req.url === '/midway') res.writeHead(200, { 'Content-Type': 'application/json' }).write('{"items":[');
    lastResort(log, req, res, new TypeError('a bug'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const r = await fetch(`${url}/x`);
    assert.equal(r.status, 500);
    const status = await r.json();
    assert.equal(status.kind, 'Status');
    assert.equal(status.reason, 'InternalError');
    assert.match(status.message, /a bug/);
    await assert.rejects(fetch(`${url}/midway`).then((res) => res.text()));
    assert.equal(logged.length, 2);
  } finally {
    server.close();
  }
});
