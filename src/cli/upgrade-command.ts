// `gifee upgrade plan|status` (docs/upgrades.md): plan creates an Upgrade (gifee.dev/v1alpha1) for
// the upgrade controller to carry out; status shows each Upgrade and its nodes. The target build is
// checked here, on the machine the command runs on, so a typo fails at once rather than after a
// node was drained; each agent checks it again on its own machine before switching.

import { parseArgs } from 'node:util';
import { readGifeeBuild } from '../api/gifee-build.js';
import { parseGifeeVersion } from '../api/version-skew.js';
import { parseReference } from '../agent/images/reference.js';
import { goDuration } from '../api/kinds/metrics/format.js';
import { MAX_UPGRADE_CONCURRENCY, MAX_READY_TIMEOUT_SECONDS, type Upgrade, UPGRADE_API_VERSION } from '../api/kinds/upgrade/index.js';
import { R } from '../client/resources.js';
import { adminClient, explainConnectError } from './admin-client.js';
import { type FlagTable, helpOf, optionsOf, parseDuration, UsageError } from './args.js';
import { outputFormatOf } from './output-format.js';

const FLAGS: FlagTable = {
  to: { type: 'string', value: 'PATH', help: 'the gifee build to upgrade to: an absolute directory holding a built gifee\n(package.json, bin/gifee.js, dist/), present at that path on every node (plan)' },
  'to-image': { type: 'string', value: 'REF', help: 'instead of --to: an OCI image holding the gifee build under /gifee; each agent\npulls it and runs the build from its data dir; needs --version (plan)' },
  version: { type: 'string', value: 'V', help: 'the gifee version the --to-image build declares (plan)' },
  concurrency: { type: 'string', value: 'N', help: `agent nodes upgraded at once, 1 to ${MAX_UPGRADE_CONCURRENCY}; servers go one at a time (plan)`, default: '1' },
  'ready-timeout': { type: 'string', value: 'D', help: 'how long a switched node may take to be Ready on the new version before it\nis rolled back and the upgrade halts (plan)', default: '3m' },
  'drain-timeout': {
    type: 'string',
    value: 'D',
    help: "how long one node's drain may take: pods still on it after that (a budget that\nallows no disruption) stop the drain; the node is uncordoned and the upgrade\nhalts (plan)",
    default: 'none, wait',
  },
  name: { type: 'string', value: 'NAME', help: "the Upgrade's name (plan)", default: 'upgrade-VERSION' },
  'data-dir': { type: 'string', value: 'DIR', help: "a server's data dir (its admin credentials)", default: 'as for gifee up' },
  kubeconfig: { type: 'string', value: 'FILE', help: "an administrator's kubeconfig instead of a data dir" },
  output: { type: 'string', short: 'o', value: 'FORMAT', help: 'table, json or yaml (status)', default: 'table' },
  help: { type: 'boolean', short: 'h', help: 'this help' },
};

export const UPGRADE_HELP = `gifee upgrade: roll the node agents onto another gifee build, node by node

Usage:
  gifee upgrade plan --to PATH [--concurrency N] [--drain-timeout D]
  gifee upgrade plan --to-image REF --version V [--concurrency N] [--drain-timeout D]
                                                   create an Upgrade: the controller cordons, drains, switches
                                                   and waits for Ready, node by node; a node not Ready in time
                                                   is rolled back and the upgrade halts
  gifee upgrade status [-o json|yaml]              each Upgrade, its phase and its nodes

Flags:
${helpOf(FLAGS)}`;

export interface PlanSettings {
  /** Exactly one of path and image. */
  path?: string;
  image?: string;
  version: string;
  concurrency: number;
  readyTimeoutSeconds: number;
  /** spec.drain.timeout, a Go duration; absent: a drain waits as long as it takes. */
  drainTimeout?: string;
  name: string;
}

/**
 * The build --to names (read here: its version comes from its package.json) or the image --to-image
 * names (its reference parsed with the agents' rules; the version must be given: the image is not
 * pulled here).
 */
function planTargetOf(v: Record<string, unknown>): { path?: string; image?: string; version: string } {
  const to = v.to as string | undefined;
  const image = v['to-image'] as string | undefined;
  if (to && image) throw new UsageError('gifee upgrade plan: --to and --to-image name the build twice: give one of them');
  if (image !== undefined) {
    const version = v.version as string | undefined;
    if (!version) throw new UsageError('gifee upgrade plan: --to-image needs --version V, the gifee version the image holds (it is not pulled here)');
    if (!parseGifeeVersion(version)) throw new UsageError(`gifee upgrade plan: --version ${version}: must be a gifee version MAJOR.MINOR.PATCH`);
    try {
      return { image: parseReference(image).normalized, version };
    } catch (e) {
      throw new UsageError(`gifee upgrade plan: --to-image ${image}: ${(e as Error).message}`);
    }
  }
  if (!to) throw new UsageError('gifee upgrade plan: --to PATH (an absolute directory holding a built gifee) or --to-image REF is required');
  if (v.version !== undefined) throw new UsageError("gifee upgrade plan: --version goes with --to-image; --to's version is read from its package.json");
  try {
    const build = readGifeeBuild(to);
    return { path: build.path, version: build.version };
  } catch (e) {
    throw new UsageError(`gifee upgrade plan: --to ${to}: ${(e as Error).message}`);
  }
}

/** The Upgrade `plan` creates, from its flags; refuses what the API server would, and a PATH that is no gifee build. */
export function planSettingsOf(v: Record<string, unknown>): PlanSettings {
  const build = planTargetOf(v);
  const c = (v.concurrency as string | undefined) ?? '1';
  if (!/^\d{1,6}$/.test(c) || Number(c) < 1 || Number(c) > MAX_UPGRADE_CONCURRENCY) throw new UsageError(`gifee upgrade plan: --concurrency ${c}: must be a whole number from 1 to ${MAX_UPGRADE_CONCURRENCY}`);
  const timeoutMs = v['ready-timeout'] === undefined ? 180_000 : parseDuration(v['ready-timeout'] as string, 'ready-timeout');
  const readyTimeoutSeconds = Math.round(timeoutMs / 1000);
  if (readyTimeoutSeconds < 5 || readyTimeoutSeconds > MAX_READY_TIMEOUT_SECONDS) throw new UsageError(`gifee upgrade plan: --ready-timeout must be between 5s and ${MAX_READY_TIMEOUT_SECONDS / 60}m`);
  const name = (v.name as string | undefined) ?? `upgrade-${build.version.toLowerCase().replace(/[^a-z0-9.-]/g, '-')}`;
  const settings: PlanSettings = { ...build, concurrency: Number(c), readyTimeoutSeconds, name };
  if (v['drain-timeout'] !== undefined) {
    // Written as Go prints a duration ("1m30s"), as a metav1.Duration reads back; 0 is "no timeout".
    const ms = parseDuration(v['drain-timeout'] as string, 'drain-timeout');
    if (ms > 0) settings.drainTimeout = goDuration(ms * 1e6);
  }
  return settings;
}

export function upgradeObject(s: PlanSettings): Upgrade {
  return {
    apiVersion: UPGRADE_API_VERSION,
    kind: 'Upgrade',
    metadata: { name: s.name },
    spec: { target: { ...(s.image ? { image: s.image } : { path: s.path }), version: s.version }, concurrency: s.concurrency, readyTimeoutSeconds: s.readyTimeoutSeconds, ...(s.drainTimeout ? { drain: { timeout: s.drainTimeout } } : {}) },
  };
}

/** status as text: one block per Upgrade, its nodes beneath. */
export function renderStatus(items: Upgrade[]): string {
  if (!items.length) return 'No upgrades.\n';
  const out: string[] = [];
  for (const u of items) {
    const halted = u.status?.conditions?.find((c) => c.type === 'Halted' || c.type === 'Waiting');
    out.push(`${u.metadata?.name}  ${u.spec?.target?.version} (${u.spec?.target?.path ?? u.spec?.target?.image})  ${u.status?.phase ?? 'Pending'}${halted ? `: ${halted.message}` : ''}`);
    for (const n of u.status?.nodes ?? []) out.push(`  ${n.name}  ${n.state}${n.fromVersion ? `  from ${n.fromVersion}` : ''}${n.message ? `  ${n.message}` : ''}`);
  }
  return `${out.join('\n')}\n`;
}

export async function upgradeCommand(argv: string[], defaultDataDir: string): Promise<void> {
  const [sub, ...rest] = argv;
  if (!sub || sub === '--help' || sub === '-h' || sub === 'help') return console.log(UPGRADE_HELP);
  if (sub !== 'plan' && sub !== 'status') throw new UsageError(`gifee upgrade: unknown subcommand "${sub}"; subcommands are plan and status (see gifee upgrade --help)`);
  let v: Record<string, unknown>;
  try {
    ({ values: v } = parseArgs({ args: rest, options: optionsOf(FLAGS), strict: true, allowPositionals: false }) as { values: Record<string, unknown> });
  } catch (e) {
    throw new UsageError(`gifee upgrade ${sub}: ${(e as Error).message}; see gifee upgrade --help`);
  }
  if (v.help) return console.log(UPGRADE_HELP);
  const target = { dataDir: (v['data-dir'] as string | undefined) ?? defaultDataDir, kubeconfig: v.kubeconfig as string | undefined };
  if (sub === 'plan') {
    const settings = planSettingsOf(v);
    const client = await adminClient(target, 'gifee-upgrade');
    try {
      await client.create(R.upgrades, undefined, upgradeObject(settings)).catch((e) => explainConnectError(e, client.config.server));
    } finally {
      client.close();
    }
    return console.log(`upgrade ${settings.name} created: nodes move to ${settings.version}, ${settings.concurrency} at a time (gifee upgrade status)`);
  }
  const format = outputFormatOf(v.output, 'gifee upgrade status');
  const client = await adminClient(target, 'gifee-upgrade');
  try {
    const list = await client.list(R.upgrades).catch((e) => explainConnectError(e, client.config.server));
    if (format === 'json') return console.log(JSON.stringify(list.items, null, 2));
    if (format === 'yaml') return void process.stdout.write((await import('yaml')).stringify(list.items));
    process.stdout.write(renderStatus(list.items as Upgrade[]));
  } finally {
    client.close();
  }
}
