// `gifee snapshot save|ls|delete|prune|restore|verify`: backups of the cluster's store and identity,
// as `k3s etcd-snapshot`. save works online against a running server (SQLite's backup API on its
// data dir, or etcd's Snapshot RPC); restore needs the server stopped.

import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { deleteSnapshot, listSnapshots, pruneSnapshots } from '../store/snapshot/catalog.js';
import { SnapshotError, type StoreKind, verifySnapshot } from '../store/snapshot/format.js';
import { UnavailableError } from '../store/types.js';
import { defaultSnapshotDir, ON_DEMAND_PREFIX, SCHEDULED_PREFIX, timestampedName } from '../store/snapshot/names.js';
import { saveSnapshot } from '../store/snapshot/save.js';
import { type FlagTable, helpOf, optionsOf, UsageError } from './args.js';
import { retentionOf } from './snapshot-flags.js';

const COMMON: FlagTable = {
  'data-dir': { type: 'string', value: 'DIR', help: "the server's data dir (default: gifee up's)" },
  dir: { type: 'string', value: 'DIR', help: 'the snapshot directory', default: 'DATA/snapshots' },
  help: { type: 'boolean', short: 'h', help: 'this help' },
};
const STORE: FlagTable = {
  store: { type: 'string', value: 'sqlite|etcd', help: "the server's store", default: 'sqlite when DATA/state.db exists' },
  'etcd-endpoints': { type: 'string', value: 'URLS', help: 'comma-separated etcd client URLs (with --store etcd)' },
};
const SAVE: FlagTable = { name: { type: 'string', value: 'N', help: 'the snapshot name', default: 'on-demand-TIME' } };
const PRUNE: FlagTable = {
  retention: { type: 'string', value: 'N', help: 'how many to keep', default: '5' },
  'name-prefix': { type: 'string', value: 'P', help: 'prune only snapshots named P...', default: SCHEDULED_PREFIX },
};
const RESTORE: FlagTable = { 'etcd-db-out': { type: 'string', value: 'FILE', help: "etcd snapshots: where to write etcd's database for etcdctl snapshot restore" } };

export const SNAPSHOT_HELP = `gifee snapshot: back up and restore the cluster's store and identity (PKI, encryption keys)

Usage:
  gifee snapshot save [--name N]               snapshot the store now (the server may be running)
  gifee snapshot ls [-o json]                  list snapshots, newest first
  gifee snapshot delete NAME...                delete snapshots
  gifee snapshot prune [--retention N]         keep the newest N scheduled snapshots
  gifee snapshot verify FILE                   check a snapshot file's checksum
  gifee snapshot restore FILE --data-dir DIR   rebuild a stopped server's data dir from a snapshot

A snapshot holds the cluster's CA and keys: keep it as secret as DATA/pki (files are 0600).

Flags:
${helpOf(COMMON, STORE, SAVE, PRUNE, RESTORE)}
  -o json                                      (ls) print JSON`;

/** Where `save` reads the store: SQLite in the data dir, or an etcd cluster (the caller closes `etcd`). */
async function storeOf(v: Record<string, unknown>, dataDir: string): Promise<{ store: StoreKind; etcd?: import('../store/etcd/members.js').EtcdMembers }> {
  // A server with a managed etcd (--cluster-init, or joined): its cluster, through its member while
  // that answers, else through another (member-client.ts), with its client certificate.
  if (v.store === undefined && v['etcd-endpoints'] === undefined) {
    const { managedEtcdTarget, connectManagedEtcd } = await import('./etcd/member-client.js');
    const managed = await managedEtcdTarget(dataDir, 'gifee snapshot');
    if (managed) return { store: 'etcd', etcd: await connectManagedEtcd(dataDir, managed, 'gifee snapshot save') };
  }
  const endpoints = String(v['etcd-endpoints'] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const store = (v.store as string | undefined) ?? (endpoints.length ? 'etcd' : 'sqlite');
  if (store !== 'sqlite' && store !== 'etcd') throw new UsageError(`--store must be sqlite or etcd, not "${store}"`);
  if (store === 'etcd' && !endpoints.length) throw new UsageError('--store etcd needs --etcd-endpoints http://127.0.0.1:2379[,...]');
  if (store === 'sqlite' && !existsSync(resolve(dataDir, 'state.db'))) throw new UsageError(`no SQLite store in ${dataDir} (no state.db): pass the server's --data-dir, or --store etcd --etcd-endpoints URLS`);
  if (store === 'sqlite') return { store };
  // The endpoints in the order given: the first that answers.
  const { EtcdMembers } = await import('../store/etcd/members.js');
  return { store, etcd: new EtcdMembers(endpoints, undefined, { healthIntervalMs: 0 }) };
}

const size = (n: number) => (n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)}MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)}KiB` : `${n}B`);

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] + 3))).join('')).join('\n');
}

export async function snapshotCommand(argv: string[], defaultDataDir: string): Promise<void> {
  const [sub, ...rest] = argv;
  if (!sub || sub === '--help' || sub === '-h' || sub === 'help') return console.log(SNAPSHOT_HELP);
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: rest, options: { ...optionsOf(COMMON, STORE, SAVE, PRUNE, RESTORE), output: { type: 'string', short: 'o' } }, strict: true, allowPositionals: true });
  } catch (e) {
    throw new UsageError(`gifee snapshot ${sub}: ${(e as Error).message}; see gifee snapshot --help`);
  }
  const v = parsed.values as Record<string, unknown>;
  const args = parsed.positionals;
  if (v.help) return console.log(SNAPSHOT_HELP);
  const dataDir = resolve((v['data-dir'] as string | undefined) ?? defaultDataDir);
  const dir = resolve((v.dir as string | undefined) ?? defaultSnapshotDir(dataDir));
  const noArgs = () => {
    if (args.length) throw new UsageError(`gifee snapshot ${sub}: unexpected argument "${args[0]}"`);
  };
  try {
    switch (sub) {
      case 'save': {
        noArgs();
        const source = await storeOf(v, dataDir);
        try {
          const { meta, file, member } = await saveSnapshot({ ...source, dataDir, dir, name: (v.name as string | undefined) ?? timestampedName(ON_DEMAND_PREFIX) });
          console.log(`snapshot ${meta.name} saved: ${file} (${meta.store}, revision ${meta.revision}${member ? `, from etcd member ${member}` : ''})`);
        } catch (e) {
          if (e instanceof UnavailableError) throw new Error(`gifee snapshot save: no etcd member answered (${e.message}): check that the server (or etcd) runs, or pass the --data-dir of another server`);
          throw e;
        } finally {
          source.etcd?.close();
        }
        return;
      }
      case 'ls':
      case 'list': {
        noArgs();
        const all = await listSnapshots(dir);
        if (v.output === 'json')
          return console.log(
            JSON.stringify(
              all.map((s) => ({ name: s.name, file: s.file, size: s.size, ...(s.meta ? { createdAt: s.meta.createdAt, store: s.meta.store, revision: s.meta.revision, gifeeVersion: s.meta.gifeeVersion, sha256: s.meta.sha256 } : { error: s.error }) })),
              null,
              2,
            ),
          );
        if (v.output !== undefined) throw new UsageError('gifee snapshot ls: -o takes json');
        if (!all.length) return console.log(`No snapshots in ${dir}.`);
        console.log(table([['NAME', 'CREATED', 'STORE', 'REVISION', 'SIZE', 'FILE'], ...all.map((s) => [s.name, s.meta?.createdAt ?? `<damaged: ${s.error}>`, s.meta?.store ?? '-', String(s.meta?.revision ?? '-'), size(s.size), s.file])]));
        return;
      }
      case 'delete':
      case 'rm': {
        if (!args.length) throw new UsageError('gifee snapshot delete: name the snapshots to delete (see gifee snapshot ls)');
        for (const name of args) console.log(`deleted ${await deleteSnapshot(dir, name)}`);
        return;
      }
      case 'prune': {
        noArgs();
        const pruned = await pruneSnapshots(dir, retentionOf(v.retention as string | undefined, 'retention'), (v['name-prefix'] as string | undefined) ?? SCHEDULED_PREFIX);
        console.log(pruned.length ? `pruned ${pruned.join(', ')}` : 'nothing to prune');
        return;
      }
      case 'verify': {
        if (args.length !== 1) throw new UsageError('gifee snapshot verify: give one snapshot file');
        const { meta } = await verifySnapshot(resolve(args[0]));
        console.log(`${args[0]}: ok (${meta.store}, revision ${meta.revision}, taken ${meta.createdAt} by gifee ${meta.gifeeVersion})`);
        return;
      }
      case 'restore': {
        if (args.length !== 1) throw new UsageError('gifee snapshot restore: give one snapshot file');
        if (v['data-dir'] === undefined) throw new UsageError("gifee snapshot restore: --data-dir is required (the stopped server's data dir)");
        const file = resolve(args[0]);
        const out = v['etcd-db-out'] as string | undefined;
        const { restoreInto } = await import('./snapshot-restore.js');
        const meta = (await restoreInto(file, dataDir, { store: out ? 'etcd' : undefined, etcdDbOut: out ? resolve(out) : undefined }))!;
        console.log(`restored ${dataDir} from ${file} (${meta.store}, revision ${meta.revision}, taken ${meta.createdAt})`);
        if (out) console.log(`etcd's database is in ${out}: run etcdctl snapshot restore ${out} --data-dir NEW-ETCD-DIR on a stopped etcd (see docs/backups.md)`);
        return;
      }
      default:
        throw new UsageError(`gifee snapshot: unknown subcommand "${sub}"; subcommands are save, ls, delete, prune, verify, restore`);
    }
  } catch (e) {
    if (e instanceof SnapshotError) throw new UsageError(`gifee snapshot ${sub}: ${e.message}`);
    throw e;
  }
}
