// Runs a real etcd (Debian's etcd-server, 3.4) on loopback on free ports in a temp dir, for store
// tests and e2e runs on the etcd backend. stop() kills it and removes its data.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import http from 'node:http';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { freePort } from './cluster.js';

export const etcdBinary = () => process.env.ETCD_BIN ?? '/usr/bin/etcd';

export interface EtcdProcess {
  endpoints: string[];
  dataDir: string;
  stop(): Promise<void>;
  kill9(): Promise<void>;
  restart(): Promise<void>;
}

export async function startEtcd(opts: { dataDir?: string } = {}): Promise<EtcdProcess> {
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'gifee-etcd-')));
  const clientPort = await freePort();
  const peerPort = await freePort();
  const client = `http://127.0.0.1:${clientPort}`;
  let proc: ChildProcess | undefined;
  let log = '';
  const launch = async () => {
    log = '';
    proc = spawn(
      etcdBinary(),
      [
        '--name',
        'gifee-test',
        '--data-dir',
        join(dataDir, 'etcd'),
        '--listen-client-urls',
        client,
        '--advertise-client-urls',
        client,
        '--listen-peer-urls',
        `http://127.0.0.1:${peerPort}`,
        '--initial-advertise-peer-urls',
        `http://127.0.0.1:${peerPort}`,
        '--initial-cluster',
        `gifee-test=http://127.0.0.1:${peerPort}`,
        '--initial-cluster-state',
        'new',
        '--log-level',
        'error',
        '--logger',
        'zap',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ETCD_UNSUPPORTED_ARCH: process.arch === 'x64' ? '' : process.arch } },
    );
    proc.stdout!.on('data', (d) => (log += d));
    proc.stderr!.on('data', (d) => (log += d));
    for (let i = 0; i < 300; i++) {
      if (proc.exitCode !== null) throw new Error(`etcd exited with ${proc.exitCode}: ${log}`);
      if (await healthy(client)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    proc.kill('SIGKILL');
    throw new Error(`etcd did not become healthy in 15s: ${log}`);
  };
  const kill = async (signal: NodeJS.Signals) => {
    const p = proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill(signal);
    await exited;
  };
  await launch();
  return {
    endpoints: [client],
    dataDir,
    kill9: () => kill('SIGKILL'),
    restart: async () => {
      await kill('SIGTERM');
      await launch();
    },
    stop: async () => {
      await kill('SIGTERM');
      if (!opts.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

function healthy(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(`${url}/health`, { timeout: 500 }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(res.statusCode === 200 && body.includes('true')));
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
  });
}

/** A listener that accepts and never answers: a frozen (SIGSTOP) member looks the same to a client. */
export async function hangingMember(): Promise<{ endpoint: string; close(): void }> {
  const sockets: Socket[] = [];
  const srv = createServer((s) => sockets.push(s));
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return {
    endpoint: `127.0.0.1:${(srv.address() as AddressInfo).port}`,
    close() {
      for (const s of sockets) s.destroy();
      srv.close();
    },
  };
}
