// Starts a real gifee server as a user would (`gifee server` in its own process, on a free port, in a
// temporary data dir), on SQLite or on a real etcd, and drives it with the real kubectl.
// Everything it starts is stopped and removed by stop().

import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, readFile, chown } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import https from 'node:https';
import { parse } from 'yaml';
import { reserve } from './reserve.js';
import { stopProcess } from './stop-process.js';

export type Backend = 'sqlite' | 'etcd';

export interface Cluster {
  backend: Backend;
  dataDir: string;
  kubeconfig: string;
  url: string;
  /** The server's process id. */
  readonly pid: number;
  /** The server's exit code once it exited on its own (null while it runs or after a signal). */
  readonly exitCode: number | null;
  /** The pod bridge of the embedded agent (its service proxy's nftables table is named after it). */
  bridge: string;
  /** Stop the server (SIGTERM) and start it again on the same data dir and port. */
  restart(): Promise<void>;
  /** Run kubectl against this cluster; resolves with stdout, rejects with an Error carrying stderr and code. */
  kubectl(args: string[], opts?: { input?: string; binary?: string; allowFail?: boolean }): Promise<KubectlResult>;
  /** Raw HTTPS request with the admin client certificate. */
  request(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string; json: any }>;
  /** The server's stderr so far (structured log lines). */
  logs(): string;
  stop(): Promise<void>;
}

export interface KubectlResult {
  stdout: string;
  stderr: string;
  code: number;
}

export const repoRoot = (() => {
  let d = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(d, 'package.json'))) {
    // At the filesystem root dirname() returns its argument: a copy of dist/ outside the repository
    // spun here for ever.
    if (dirname(d) === d) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}: run the tests from the repository`);
    d = dirname(d);
  }
  return d;
})();

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

/** The gifee CLI entry: compiled when built (dist), else through tsx from source. */
export function cliCommand(): string[] {
  const compiled = join(repoRoot, 'dist', 'src', 'cli', 'main.js');
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js') && existsSync(compiled)) return [compiled];
  return ['--import', 'tsx', join(repoRoot, 'src', 'cli', 'main.ts')];
}

export const kubectlBinary = process.env.KUBECTL ?? 'kubectl';

/** Older kubectl (version skew): kubectl.1.27 beside the real kubectl binary, if present. */
export async function olderKubectl(version = '1.27'): Promise<string | undefined> {
  const real = await new Promise<string>((resolve) => execFile('readlink', ['-f', `$(command -v ${kubectlBinary})`], { shell: '/bin/bash' }, (_e, out) => resolve(String(out).trim())));
  const p = join(dirname(real), `kubectl.${version}`);
  return existsSync(p) ? p : undefined;
}

export interface AgentOptions {
  nodeName?: string;
}

/**
 * nodeArgs: Node.js flags for the server process (e.g. --cpu-prof).
 * dataDir: an existing directory to keep the cluster's state in (a test's own filesystem; it may hold
 * another server's pki/ to share its CA); the caller removes it. bindAddress and port: where the
 * server listens (default 127.0.0.1 and a free port), e.g. two servers of one cluster on 127.0.0.1
 * and 127.0.0.2 at the same port, as the kubernetes Endpoints can list them.
 */
export async function startCluster(opts: { backend?: Backend; etcdEndpoints?: string[]; extraArgs?: string[]; env?: Record<string, string>; agent?: boolean | AgentOptions; nodeArgs?: string[]; user?: { uid: number; gid: number }; dataDir?: string; bindAddress?: string; port?: number } = {}): Promise<Cluster> {
  const backend = opts.backend ?? 'sqlite';
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'gifee-e2e-')));
  // Run the server as another (non-root) user: its data dir must be theirs.
  if (opts.user) await chown(dataDir, opts.user.uid, opts.user.gid);
  const kubeconfig = join(dataDir, 'kubeconfig');
  const port = opts.port ?? (await freePort());
  const bindAddress = opts.bindAddress ?? '127.0.0.1';
  // A real node agent: its own bridge and pod network per cluster so test clusters can run side by side.
  const rand = Math.floor(Math.random() * 0xffff);
  const bridge = `gft${rand.toString(16)}`;
  // The pod CIDR is reserved machine-wide: clusters of parallel test files must never share a subnet.
  const podSubnet = opts.agent
    ? reserve(
        'pod-cidr',
        Array.from({ length: 100 }, (_, i) => 100 + i),
      )
    : undefined;
  const agentArgs = opts.agent ? ['--node-name', (typeof opts.agent === 'object' && opts.agent.nodeName) || `node-${rand.toString(16)}`, '--node-ip', '127.0.0.1', '--kubelet-port', '0', '--bridge', bridge, '--cluster-cidr', `10.${podSubnet!.value}.0.0/16`] : ['--no-agent'];
  // Each cluster's Services get their own virtual IPs and node ports: proxies of clusters running side
  // by side on this machine must not claim the same addresses (unless the test chose its own).
  const own = (flag: string) => (opts.extraArgs ?? []).includes(flag);
  if (opts.agent && !own('--service-cidr')) agentArgs.push('--service-cidr', `10.${200 + (rand % 50)}.${(rand >> 8) % 256}.0/24`);
  // The agent's ingress controller would take ports 80 and 443: off unless a test asks for ports.
  if (opts.agent && !own('--ingress-http-port')) agentArgs.push('--ingress-http-port', 'off');
  if (opts.agent && !own('--ingress-https-port')) agentArgs.push('--ingress-https-port', 'off');
  if (opts.agent && !own('--service-node-port-range')) {
    const base = 30000 + (rand % 27) * 100;
    agentArgs.push('--service-node-port-range', `${base}-${base + 99}`);
  }
  const args = [...(opts.nodeArgs ?? []), ...cliCommand(), 'server', '--data-dir', dataDir, '--port', String(port), '--bind-address', bindAddress, '--kubeconfig', kubeconfig, ...agentArgs, ...(opts.extraArgs ?? [])];
  if (backend === 'etcd') args.push('--store', 'etcd', '--etcd-endpoints', (opts.etcdEndpoints ?? []).join(','));
  let log = '';
  let proc!: ChildProcess;
  let kc: any;
  // Spawn the server and wait for its kubeconfig and /readyz (again on restart()).
  const launch = async () => {
    proc = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GIFEE_LOG: process.env.GIFEE_LOG ?? 'info', ...(opts.user ? { HOME: dataDir } : {}), ...(opts.env ?? {}) }, ...(opts.user ?? {}) });
    proc.stdout!.on('data', (d) => (log += d));
    proc.stderr!.on('data', (d) => (log += d));
    for (let i = 0; ; i++) {
      if (proc.exitCode !== null) throw new Error(`gifee server exited with ${proc.exitCode}:\n${log}`);
      if (i > 3000) {
        proc.kill('SIGKILL');
        throw new Error(`gifee server did not become ready in 60s:\n${log}`);
      }
      if (existsSync(kubeconfig)) {
        try {
          kc = parse(await readFile(kubeconfig, 'utf8'));
          const ok = await readyz(`https://${bindAddress}:${port}`, kc);
          if (ok && (!opts.agent || (await hasNode(`https://${bindAddress}:${port}`, kc)))) break;
        } catch {
          /* not yet */
        }
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const terminate = async () => {
    await stopProcess(proc);
  };
  await launch().catch((e) => {
    podSubnet?.release();
    throw e;
  });
  const user = kc.users[0].user;
  const cluster = kc.clusters[0].cluster;
  const ca = Buffer.from(cluster['certificate-authority-data'], 'base64');
  const cert = Buffer.from(user['client-certificate-data'], 'base64');
  const key = Buffer.from(user['client-key-data'], 'base64');
  const url = `https://${bindAddress}:${port}`;
  const agent = new https.Agent({ ca, cert, key, keepAlive: true });
  const cacheDir = join(dataDir, 'kube-cache');

  return {
    backend,
    dataDir,
    kubeconfig,
    url,
    bridge,
    get pid() {
      return proc.pid!;
    },
    get exitCode() {
      return proc.exitCode;
    },
    async restart() {
      await terminate();
      await launch();
    },
    kubectl(kargs, o = {}) {
      return new Promise((resolve, reject) => {
        const p = execFile(o.binary ?? kubectlBinary, ['--kubeconfig', kubeconfig, '--cache-dir', cacheDir, ...kargs], { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
          const code = err ? (typeof (err as any).code === 'number' ? (err as any).code : 1) : 0;
          const r = { stdout: String(stdout), stderr: String(stderr), code };
          if (err && !o.allowFail) reject(Object.assign(new Error(`kubectl ${kargs.join(' ')} failed (${code}): ${stderr}${stdout}`), r));
          else resolve(r);
        });
        if (o.input !== undefined) p.stdin!.end(o.input);
        else p.stdin?.end();
      });
    },
    request(method, path, body, headers = {}) {
      return new Promise((resolve, reject) => {
        const data = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
        const req = https.request(url + path, { method, agent, headers: { ...(data ? { 'Content-Type': 'application/json' } : {}), ...headers } }, (res) => {
          let text = '';
          res.on('data', (c) => (text += c));
          res.on('end', () => {
            let json: any;
            try {
              json = JSON.parse(text);
            } catch {
              json = undefined;
            }
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, json });
          });
        });
        req.on('error', reject);
        req.end(data);
      });
    },
    logs: () => log,
    async stop() {
      agent.destroy();
      await terminate();
      if (opts.agent) {
        const { resetNode } = await import('../../src/agent/reset.js');
        await resetNode(dataDir, bridge);
      }
      podSubnet?.release();
      if (!opts.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Whether a node has registered (the embedded agent is up), asked with the admin certificate. */
async function hasNode(url: string, kc: any): Promise<boolean> {
  const user = kc.users[0].user;
  const ca = Buffer.from(kc.clusters[0].cluster['certificate-authority-data'], 'base64');
  return new Promise((resolve) => {
    const req = https.get(url + '/api/v1/nodes', { ca, cert: Buffer.from(user['client-certificate-data'], 'base64'), key: Buffer.from(user['client-key-data'], 'base64'), timeout: 2000 }, (res) => {
      let b = '';
      res.on('data', (d) => (b += d));
      res.on('end', () => {
        try {
          resolve(res.statusCode === 200 && JSON.parse(b).items.length > 0);
        } catch {
          resolve(false);
        }
      });
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
  });
}

/** /readyz, asked with the admin certificate (servers may refuse anonymous requests: --anonymous-auth=false). */
async function readyz(url: string, kc: any): Promise<boolean> {
  const user = kc.users[0].user;
  const cert = Buffer.from(user['client-certificate-data'], 'base64');
  const key = Buffer.from(user['client-key-data'], 'base64');
  return new Promise((resolve) => {
    const req = https.get(url + '/readyz', { rejectUnauthorized: false, cert, key, timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
  });
}
