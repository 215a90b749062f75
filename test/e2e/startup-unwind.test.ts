// A server whose start-up fails part-way (here: the node agent cannot listen on its kubelet port)
// stops what it had started, newest first, and exits with the usage error: no component process
// outlives it. The same for a SIGINT while it is still starting.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliCommand, freePort, repoRoot } from '../helpers/cluster.js';
import { reserve } from '../helpers/reserve.js';

/** Pids of live processes whose environment holds marker (the server's children inherit it). */
async function processesWith(marker: string): Promise<number[]> {
  const found: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const env = await readFile(`/proc/${name}/environ`, 'latin1').catch(() => '');
    if (env.includes(marker)) found.push(Number(name));
  }
  return found;
}

async function runServer(extra: string[], onLine?: (line: string, kill: (s: NodeJS.Signals) => void) => void) {
  const dataDir = await mkdtemp(join(tmpdir(), 'gifee-unwind-'));
  const marker = `GIFEE_UNWIND_TEST=${process.pid}-${Math.random().toString(36).slice(2)}`;
  const rand = Math.floor(Math.random() * 0xffff);
  // A pod CIDR no parallel test's cluster has (see test/helpers/reserve.ts).
  const podSubnet = reserve(
    'pod-cidr',
    Array.from({ length: 100 }, (_, i) => 100 + i),
  );
  const port = await freePort();
  const bridge = `gfu${rand.toString(16)}`;
  const args = [
    ...cliCommand(),
    'server',
    '--data-dir',
    dataDir,
    '--port',
    String(port),
    '--bind-address',
    '127.0.0.1',
    '--kubeconfig',
    join(dataDir, 'kubeconfig'),
    '--node-name',
    `unwind-${rand.toString(16)}`,
    '--node-ip',
    '127.0.0.1',
    '--bridge',
    bridge,
    '--cluster-cidr',
    `10.${podSubnet.value}.0.0/16`,
    '--service-cidr',
    `10.${200 + (rand % 50)}.${(rand >> 8) % 256}.0/24`,
    ...extra,
  ];
  const [key, value] = marker.split('=');
  const proc = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GIFEE_LOG: 'info', [key]: value } });
  let out = '';
  const onData = (d: Buffer) => {
    const text = String(d);
    out += text;
    for (const line of text.split('\n')) onLine?.(line, (s) => proc.kill(s));
  };
  proc.stdout.on('data', onData);
  proc.stderr.on('data', onData);
  const timer = setTimeout(() => proc.kill('SIGKILL'), 60_000);
  const code = await new Promise<number | null>((r) => proc.once('exit', (c) => r(c)));
  clearTimeout(timer);
  // The server exited: give the kernel a moment to reap what it stopped, then look for survivors.
  let survivors = await processesWith(marker);
  for (let i = 0; i < 20 && survivors.length > 0; i++) {
    await new Promise((r) => setTimeout(r, 100));
    survivors = await processesWith(marker);
  }
  for (const pid of survivors) process.kill(pid, 'SIGKILL');
  // What a stopped agent leaves on purpose (its bridge, its pods' nftables table), as `reset` removes it.
  const { resetNode } = await import('../../src/agent/reset.js');
  await resetNode(dataDir, bridge);
  podSubnet.release();
  await rm(dataDir, { recursive: true, force: true });
  return { code, out, survivors, port };
}

describe('start-up unwinding', () => {
  it('a node agent that cannot start stops the controllers, API server and store, and exits with the usage error', async () => {
    // The kubelet port held by someone else: the agent's start fails after everything else is up.
    const holder = net.createServer();
    await new Promise<void>((r) => holder.listen(0, '0.0.0.0', () => r()));
    const kubeletPort = (holder.address() as net.AddressInfo).port;
    try {
      const { code, out, survivors, port } = await runServer(['--kubelet-port', String(kubeletPort)]);
      assert.equal(code, 2, out);
      assert.match(out, /the node agent could not start: .*EADDRINUSE/);
      // The controllers had started (and were stopped: they released their leases).
      assert.match(out, /"component":"controller-manager","msg":"component process ready"/);
      assert.match(out, /"msg":"released leadership","lease":"kube-system\/gifee-controller-manager"/);
      assert.deepEqual(survivors, [], 'no process of the server outlives it');
      // The API server's port is free again.
      const probe = net.createServer();
      await new Promise<void>((resolve, reject) => {
        probe.once('error', reject);
        probe.listen(port, '127.0.0.1', () => probe.close(() => resolve()));
      });
    } finally {
      holder.close();
    }
  });

  it('a SIGINT while starting stops what has started and exits 0', async () => {
    let sent = false;
    // Interrupt once the controllers are up, while the agent is still starting.
    const { code, out, survivors } = await runServer(['--kubelet-port', '0'], (line, kill) => {
      if (!sent && line.includes('"component":"controller-manager","msg":"component process ready"')) {
        sent = true;
        kill('SIGINT');
      }
    });
    assert.ok(sent, out);
    assert.equal(code, 0, out);
    // Usually still starting; a fast machine may have been ready already, and shut down as usual.
    assert.match(out, /stopped before it was ready|"msg":"shut down"/);
    assert.deepEqual(survivors, [], 'no process of the server outlives it');
  });
});
