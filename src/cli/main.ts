// The `gifee` command.

import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseDuration, parseFlags, UsageError } from './args.js';
import { NODE_PROTECTION_FLAGS, NODE_PROTECTION_HELP, nodeProtectionOf } from './node-protection-flags.js';
import { LIMIT_FLAGS_HELP, limitFlags, limitsOf } from './limit-flags.js';

const HELP = `gifee: a Kubernetes-compatible cluster in one command

Usage:
  gifee up [flags]          set up and run a cluster on this machine (kubeconfig merged as context "gifee")
  gifee server [flags]      run a control plane with explicit data dir, port and kubeconfig
  gifee agent --server URL --token T   join a cluster as a worker node
  gifee kubeconfig --data-dir DIR   print the admin kubeconfig of a data dir
  gifee sim nodes --count N        register N simulated nodes (pods run without containers)
  gifee images ls|import|pull|rm   manage this node's images (see gifee images --help)
  gifee version             print versions

Run "gifee COMMAND --help" for a command's flags.`;

const AGENT_FLAGS_HELP = `  --node-name NAME          this machine's node name (default: hostname)
  --node-ip ADDR            address other nodes and the API server reach this node at (default: first non-loopback IPv4)
  --kubelet-port N          the node agent's HTTPS port for logs/exec/port-forward (default 10250; 0 picks one)
  --bridge NAME             bridge device for this node's pods (default gifee0)
  --cluster-dns IP|none     pods' nameserver: default a DNS server the agent runs on its pod gateway;
                            IP: an external cluster DNS; none: the host's resolvers
  --runtime runc|process    runc: real containers (needs root; the default as root); process: plain
                            host processes without isolation (the default without root)
  --cluster-cidr CIDR       pod network of the cluster; each node gets a /24 of it (default 10.42.0.0/16)
${NODE_PROTECTION_HELP}`;

const SERVICE_FLAGS_HELP = `  --tls-san NAME            an extra name or address for the API server's certificate (repeatable;
                            this machine's addresses are always included)
  --service-cidr CIDR       ClusterIPs of Services come from here; the kubernetes Service gets the first (default 10.43.0.0/16)
  --service-node-port-range R   node ports of NodePort Services (default 30000-32767)`;

const AGENT_HELP = `gifee agent: join a cluster as a worker node (runs pods with runc; needs root)

Flags:
  --server URL              the API server, e.g. https://10.0.0.1:6443 (required)
  --token T                 the join token from the server's DATA/node-token
  --token-file FILE         read the join token from a file
  --data-dir DIR            where images, containers and state live (default as for gifee up)
${AGENT_FLAGS_HELP.split('\n')
  .filter((l) => !l.includes('--cluster-cidr'))
  .join('\n')}
  -h, --help                this help`;

const SERVER_HELP = `gifee server: run the API server (and controllers) of a cluster

Flags:
  --data-dir DIR            where the store, PKI and state live (required)
  --port N                  HTTPS port of the API server (default 6443)
  --bind-address ADDR       address to listen on (default 0.0.0.0)
  --kubeconfig FILE         where to write the admin kubeconfig (default DIR/kubeconfig)
  --store sqlite|etcd       store backend (default sqlite, embedded)
  --etcd-endpoints URLS     comma-separated etcd client URLs (with --store etcd)
  --compaction-interval D   how often to compact store history (default 5m; 0 disables)
  --no-controllers          do not run the controllers in this process
  --no-agent                do not run a node agent in this process
${SERVICE_FLAGS_HELP}
${LIMIT_FLAGS_HELP}
${AGENT_FLAGS_HELP}
  -h, --help                this help`;

const UP_HELP = `gifee up: set up and run a single-machine cluster, merging its kubeconfig as context "gifee"

Flags:
  --data-dir DIR            state directory (default /var/lib/gifee as root, else ~/.local/share/gifee)
  --port N                  HTTPS port (default 6443)
  --bind-address ADDR       address to listen on (default 0.0.0.0)
  --kubeconfig FILE         kubeconfig to merge into (default $KUBECONFIG's first file or ~/.kube/config)
  --store sqlite|etcd       store backend (default sqlite)
  --etcd-endpoints URLS     comma-separated etcd client URLs (with --store etcd)
  --no-agent                do not run a node agent
${SERVICE_FLAGS_HELP}
${LIMIT_FLAGS_HELP}
${AGENT_FLAGS_HELP}
  -h, --help                this help`;

const serverFlags = {
  'data-dir': { type: 'string' },
  port: { type: 'string' },
  'bind-address': { type: 'string' },
  kubeconfig: { type: 'string' },
  store: { type: 'string' },
  'etcd-endpoints': { type: 'string' },
  'compaction-interval': { type: 'string' },
  'no-controllers': { type: 'boolean' },
  'no-agent': { type: 'boolean' },
  'node-name': { type: 'string' },
  'node-ip': { type: 'string' },
  'kubelet-port': { type: 'string' },
  'cluster-cidr': { type: 'string' },
  'service-cidr': { type: 'string' },
  'service-node-port-range': { type: 'string' },
  bridge: { type: 'string' },
  runtime: { type: 'string' },
  'cluster-dns': { type: 'string' },
  'tls-san': { type: 'string', multiple: true },
  ...NODE_PROTECTION_FLAGS,
  help: { type: 'boolean', short: 'h' },
  ...limitFlags,
} as const;

/** --tls-san NAME (repeatable, or comma-separated). */
function tlsSANsOf(f: Record<string, unknown>): string[] {
  const v = f['tls-san'];
  const list = Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
  return list
    .flatMap((x) => String(x).split(','))
    .map((x) => x.trim())
    .filter(Boolean);
}

function runtimeOf(v: string | boolean | undefined): 'runc' | 'process' | undefined {
  if (v === undefined) return undefined;
  if (v !== 'runc' && v !== 'process') throw new UsageError(`--runtime must be runc or process, not "${String(v)}"`);
  return v;
}

/** The embedded agent's settings, or undefined with --no-agent. */
function agentOf(f: Record<string, string | boolean | undefined>) {
  if (f['no-agent']) return undefined;
  const kp = f['kubelet-port'] !== undefined ? port(f['kubelet-port']) : 10250;
  return { nodeName: f['node-name'] as string | undefined, nodeIP: f['node-ip'] as string | undefined, port: kp, bridge: f.bridge as string | undefined, runtime: runtimeOf(f.runtime), clusterDNS: f['cluster-dns'] as string | undefined, ...nodeProtectionOf(f) };
}

function port(v: string | boolean | undefined): number {
  if (v === undefined) return 6443;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`--port must be a port number (0-65535), not "${String(v)}"`);
  return n;
}

function storeOf(f: Record<string, string | boolean | undefined>) {
  const store = (f.store as string | undefined) ?? 'sqlite';
  if (store !== 'sqlite' && store !== 'etcd') throw new UsageError(`--store must be sqlite or etcd, not "${store}"`);
  const endpoints = ((f['etcd-endpoints'] as string | undefined) ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (store === 'etcd' && endpoints.length === 0) throw new UsageError('--store etcd needs --etcd-endpoints http://127.0.0.1:2379[,...]');
  return { store: store as 'sqlite' | 'etcd', etcdEndpoints: endpoints };
}

export function defaultDataDir(): string {
  return process.getuid?.() === 0 ? '/var/lib/gifee' : join(homedir(), '.local', 'share', 'gifee');
}

export function defaultKubeconfig(): string {
  const env = process.env.KUBECONFIG;
  if (env) return env.split(':').filter(Boolean)[0];
  return join(homedir(), '.kube', 'config');
}

async function main(argv: string[]) {
  const [command, ...rest] = argv;
  // The long-running commands (and the component processes a server supervises) survive a bug's
  // stray exception or rejection (logged once, rate-limited).
  if (command === 'up' || command === 'server' || command === 'agent' || command === '__components') {
    const [{ installProcessGuard }, { logger }] = await Promise.all([import('../util/process-guard.js'), import('../util/log.js')]);
    installProcessGuard(logger('gifee'));
  }
  const { runServer } = await import('./server.js');
  switch (command) {
    case 'server': {
      const f = parseFlags('server', rest, serverFlags);
      if (f.help) return console.log(SERVER_HELP);
      const dataDir = f['data-dir'] as string | undefined;
      if (!dataDir) throw new UsageError('gifee server: --data-dir is required (or use `gifee up` for defaults)');
      return runServer({
        dataDir,
        port: port(f.port),
        bindAddress: (f['bind-address'] as string | undefined) ?? '0.0.0.0',
        kubeconfig: (f.kubeconfig as string | undefined) ?? join(dataDir, 'kubeconfig'),
        mergeKubeconfig: false,
        controllers: !f['no-controllers'],
        compactionIntervalMs: f['compaction-interval'] !== undefined ? parseDuration(f['compaction-interval'] as string, 'compaction-interval') : undefined,
        clusterCIDR: f['cluster-cidr'] as string | undefined,
        serviceCIDR: f['service-cidr'] as string | undefined,
        serviceNodePortRange: f['service-node-port-range'] as string | undefined,
        tlsSANs: tlsSANsOf(f),
        limits: limitsOf(f),
        agent: agentOf(f),
        inProcessComponents: process.env.GIFEE_IN_PROCESS_COMPONENTS === '1',
        ...storeOf(f),
      });
    }
    case 'up': {
      const f = parseFlags('up', rest, serverFlags);
      if (f.help) return console.log(UP_HELP);
      const dataDir = (f['data-dir'] as string | undefined) ?? defaultDataDir();
      const kubeconfig = (f.kubeconfig as string | undefined) ?? defaultKubeconfig();
      return runServer({
        dataDir,
        port: port(f.port),
        bindAddress: (f['bind-address'] as string | undefined) ?? '0.0.0.0',
        kubeconfig,
        mergeKubeconfig: true,
        controllers: true,
        clusterCIDR: f['cluster-cidr'] as string | undefined,
        serviceCIDR: f['service-cidr'] as string | undefined,
        serviceNodePortRange: f['service-node-port-range'] as string | undefined,
        tlsSANs: tlsSANsOf(f),
        limits: limitsOf(f),
        agent: agentOf(f),
        inProcessComponents: process.env.GIFEE_IN_PROCESS_COMPONENTS === '1',
        ...storeOf(f),
        onReady: (url) => {
          process.stdout.write(
            `\ngifee is up at ${url}\n  data:       ${dataDir}\n  kubeconfig: ${kubeconfig} (context "gifee", now current)\n  join token: ${join(dataDir, 'node-token')} (gifee agent --server URL --token-file FILE on a worker)\n\nNext steps (images come from files or a registry: build the test images without internet):\n  bash scripts/build-test-images.sh /tmp/gifee-images\n  gifee images import --data-dir ${dataDir} /tmp/gifee-images/web-1.oci.tar\n  kubectl create deployment web --image=gifee.local/web:1\n  kubectl get pods -o wide\n\nPress Ctrl-C to stop (containers keep running and are re-adopted at the next start).\n`,
          );
        },
      });
    }
    case 'images':
      return (await import('./images.js')).imagesCommand(rest, defaultDataDir());
    case 'agent': {
      const f = parseFlags('agent', rest, {
        server: { type: 'string' },
        token: { type: 'string' },
        'token-file': { type: 'string' },
        'data-dir': { type: 'string' },
        'node-name': { type: 'string' },
        'node-ip': { type: 'string' },
        'kubelet-port': { type: 'string' },
        bridge: { type: 'string' },
        runtime: { type: 'string' },
        'cluster-dns': { type: 'string' },
        ...NODE_PROTECTION_FLAGS,
        help: { type: 'boolean', short: 'h' },
      });
      if (f.help) return console.log(AGENT_HELP);
      const server = f.server as string | undefined;
      if (!server) throw new UsageError('gifee agent: --server https://HOST:6443 is required');
      let token = f.token as string | undefined;
      if (!token && f['token-file']) {
        const { readFile } = await import('node:fs/promises');
        token = (
          await readFile(f['token-file'] as string, 'utf8').catch(() => {
            throw new UsageError(`cannot read --token-file ${f['token-file'] as string}`);
          })
        ).trim();
      }
      if (!token) throw new UsageError('gifee agent: --token (or --token-file) is required: the server writes it to DATA/node-token');
      const { runJoinedAgent } = await import('./agent.js');
      return runJoinedAgent({
        server: server.replace(/\/$/, ''),
        token,
        dataDir: (f['data-dir'] as string | undefined) ?? defaultDataDir(),
        nodeName: f['node-name'] as string | undefined,
        nodeIP: f['node-ip'] as string | undefined,
        port: f['kubelet-port'] !== undefined ? port(f['kubelet-port']) : 10250,
        bridge: f.bridge as string | undefined,
        runtime: runtimeOf(f.runtime),
        clusterDNS: f['cluster-dns'] as string | undefined,
        ...nodeProtectionOf(f),
      });
    }
    case 'kubeconfig': {
      const f = parseFlags('kubeconfig', rest, { 'data-dir': { type: 'string' }, server: { type: 'string' } });
      const dataDir = (f['data-dir'] as string | undefined) ?? defaultDataDir();
      const { readFile } = await import('node:fs/promises');
      const { buildKubeconfig } = await import('./kubeconfig.js');
      const { stringify } = await import('yaml');
      const pki = join(dataDir, 'pki');
      const read = (n: string) =>
        readFile(join(pki, n), 'utf8').catch(() => {
          throw new UsageError(`no cluster PKI in ${dataDir}: start one with \`gifee up\` or pass --data-dir`);
        });
      const kc = buildKubeconfig({ name: 'gifee', server: (f.server as string | undefined) ?? 'https://127.0.0.1:6443', ca: await read('ca.crt'), cert: await read('admin.crt'), key: await read('admin.key') });
      return void process.stdout.write(stringify(kc));
    }
    case '__components':
      // Internal: a component process that `gifee server` supervises (controllers and scheduler, or
      // the agent); its name follows as an argument for `ps`, its configuration comes over IPC.
      return (await import('./components.js')).runComponentsChild();
    case 'sim':
      return (await import('./sim.js')).runSim(rest);
    case 'version':
    case '--version': {
      const { versionInfo, GIFEE_VERSION } = await import('../api/version.js');
      return console.log(`gifee ${GIFEE_VERSION} (Kubernetes API ${versionInfo().gitVersion}, node ${process.versions.node})`);
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      return console.log(HELP);
    default:
      throw new UsageError(`gifee: unknown command "${command}"; commands are up, server, agent, kubeconfig, sim, images, version (see gifee --help)`);
  }
}

main(process.argv.slice(2)).catch((e) => {
  if (e instanceof UsageError) {
    console.error(e.message);
    process.exit(2);
  }
  console.error(`gifee: ${(e as Error).stack ?? e}`);
  process.exit(1);
});
