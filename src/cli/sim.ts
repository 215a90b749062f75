// `gifee sim nodes`: register simulated nodes against a cluster and keep them alive until Ctrl-C.

import { isQuantity } from '../api/quantity.js';
import { logger } from '../util/log.js';
import { parseDuration, parseFlags, UsageError } from './args.js';

export const SIM_HELP = `gifee sim nodes: register N simulated nodes whose pods run without containers (like kwok)

Flags:
  --count N                 how many nodes (required)
  --kubeconfig FILE         cluster to join (default $KUBECONFIG's first file or ~/.kube/config)
  --name-prefix P           node names are P0, P1, ... (default sim-)
  --start-index N           first index (default 0), so several processes can share a prefix
  --cpu Q                   CPU capacity per node (default 8)
  --memory Q                memory capacity per node (default 32Gi)
  --pods N                  pod capacity per node (default 110)
  --lease-interval D        node Lease renewal period (default 10s)
  --concurrency N           API requests in flight at once (default 32)
  --cleanup                 delete the nodes on exit (default: keep them; they go NotReady)
  -h, --help                this help

Pods bound to these nodes go Running and Ready with an IP from 198.18.0.0/15 (RFC 2544's benchmarking
block: no gifee agent routes or proxies to it). Pods with restartPolicy Never or OnFailure and the
annotation sim.gifee.dev/exit-after: 2s complete after that time, with exit code
sim.gifee.dev/exit-code (default 0).

Nothing points off this machine: the nodes' only address is 127.0.0.1 and their kubelet endpoint is
served by this process on 127.0.0.1 (a serving certificate per node from the kubelet-serving signer,
approved with the kubeconfig's credentials). kubectl logs prints one synthetic line per container,
kubectl exec and attach print why nothing runs and exit 126, kubectl port-forward is refused.`;

const flags = {
  count: { type: 'string' },
  kubeconfig: { type: 'string' },
  'name-prefix': { type: 'string' },
  'start-index': { type: 'string' },
  cpu: { type: 'string' },
  memory: { type: 'string' },
  pods: { type: 'string' },
  'lease-interval': { type: 'string' },
  concurrency: { type: 'string' },
  cleanup: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function wholeNumber(v: string | boolean | undefined, flag: string, def: number, min = 1): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${flag} must be a whole number of at least ${min}, not "${String(v)}"`);
  return n;
}

function quantity(v: string | boolean | undefined, flag: string, def: string): string {
  if (v === undefined) return def;
  if (typeof v !== 'string' || !isQuantity(v)) throw new UsageError(`--${flag} must be a quantity like 8, 500m, 32Gi, not "${String(v)}"`);
  return v;
}

export async function runSim(argv: string[]): Promise<void> {
  const [what, ...rest] = argv;
  if (what === undefined || what === '--help' || what === '-h' || what === 'help') return console.log(SIM_HELP);
  if (what !== 'nodes') throw new UsageError(`gifee sim: unknown simulation "${what}"; try gifee sim nodes --count 10`);
  const f = parseFlags('sim nodes', rest, flags);
  if (f.help) return console.log(SIM_HELP);
  if (f.count === undefined) throw new UsageError('gifee sim nodes: --count is required (e.g. --count 100)');
  const count = wholeNumber(f.count, 'count', 0);
  const opts = {
    count,
    namePrefix: (f['name-prefix'] as string | undefined) ?? 'sim-',
    startIndex: wholeNumber(f['start-index'], 'start-index', 0, 0),
    shape: { cpu: quantity(f.cpu, 'cpu', '8'), memory: quantity(f.memory, 'memory', '32Gi'), pods: String(wholeNumber(f.pods, 'pods', 110)) },
    leaseRenewIntervalMs: f['lease-interval'] !== undefined ? parseDuration(f['lease-interval'] as string, 'lease-interval') : undefined,
    concurrency: wholeNumber(f.concurrency, 'concurrency', 32),
    cleanup: !!f.cleanup,
  };
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?-?$|^$/.test(opts.namePrefix)) throw new UsageError(`--name-prefix "${opts.namePrefix}" must be lowercase letters, digits, '-' or '.' (node names are DNS subdomains)`);
  const [{ clientConfigFromKubeconfig, defaultKubeconfigPath }, { startSimNodes }] = await Promise.all([import('../client/kubeconfig.js'), import('../sim/nodes.js')]);
  const kubeconfig = (f.kubeconfig as string | undefined) ?? defaultKubeconfigPath();
  const client = await clientConfigFromKubeconfig(kubeconfig).catch((e: Error) => {
    throw new UsageError(e.message);
  });
  const log = logger('sim-nodes');
  let sim: import('../sim/nodes.js').SimNodes;
  const { simKubeletCredentials } = await import('./sim-kubelet.js');
  let kubelet: ReturnType<typeof simKubeletCredentials>;
  try {
    kubelet = simKubeletCredentials(client);
  } catch (e) {
    throw new UsageError(`gifee sim nodes: ${(e as Error).message}`);
  }
  try {
    sim = await startSimNodes({ ...opts, client, log, kubelet });
  } catch (e) {
    kubelet.close();
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EHOSTUNREACH' ? `cannot reach the API server at ${client.server} (${code}): is the cluster running, and is ${kubeconfig} the right kubeconfig?` : (e as Error).message;
    console.error(`gifee sim nodes: ${why}`);
    process.exitCode = 1;
    return;
  }
  const range = `${sim.nodes[0]}${count > 1 ? ` .. ${sim.nodes[count - 1]}` : ''}`;
  process.stdout.write(`${count} simulated node${count === 1 ? '' : 's'} running (${range}) on ${client.server}, their kubelet endpoint on 127.0.0.1:${sim.kubeletPort}\nPress Ctrl-C to stop${opts.cleanup ? ' (the nodes are deleted)' : ' (the nodes stay and go NotReady; pass --cleanup to delete them)'}.\n`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info('stopping', { signal });
      const force = setTimeout(() => process.exit(1), 30_000);
      force.unref();
      void sim
        .stop()
        .finally(() => kubelet.close())
        .finally(resolve);
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}
