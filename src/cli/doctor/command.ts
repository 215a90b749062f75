// `gifee doctor [--data-dir DIR] [--etcd]`: checks this host for what gifee needs and says what to
// do about each gap. Exit code 1 when a check failed, so scripts can gate on it.

import { parseFlags } from '../args.js';
import { runChecks } from './checks.js';
import { formatReport, useColour } from './report.js';

const HELP = `gifee doctor: check this machine for what gifee needs (kernel, binaries, network, ports, disk, clock)

Usage:
  gifee doctor [--data-dir DIR] [--port N] [--etcd]

Flags:
  --data-dir DIR   where gifee keeps its state (disk space is checked there)
  --port N         the API server port to check (default 6443)
  --etcd           check the etcd binaries too (a cluster on etcd)

Exit code 1 when a check failed.`;

export async function doctorCommand(argv: string[], defaultDataDir: string): Promise<void> {
  const f = parseFlags('doctor', argv, { 'data-dir': { type: 'string' }, port: { type: 'string' }, etcd: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
  if (f.help) return void console.log(HELP);
  const port = Number(f.port ?? 6443);
  const results = await runChecks({ dataDir: (f['data-dir'] as string | undefined) ?? defaultDataDir, ports: [port, 10250], etcd: !!f.etcd });
  console.log(formatReport(results, useColour(process.stdout)));
  if (results.some((r) => r.verdict === 'fail')) process.exitCode = 1;
}
