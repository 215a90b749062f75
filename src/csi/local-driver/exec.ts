// Every command the local driver runs goes through here: execFile (no shell, so no argument is ever
// interpreted), a timeout, bounded output, and failures turned into CsiError so a gRPC caller sees a
// code and the command's own message rather than an unhandled exception.

import { CsiError, GrpcCode } from '../types.js';
import { execFileHelped, type ExecError } from '../../util/exec-helper.js';
import { SYSTEM_BIN_DIRS, which } from '../../util/which.js';

export interface RunResult {
  stdout: string;
  stderr: string;
}

/** A command's failure, with what it printed (callers match on stderr, e.g. "already mounted"). */
export class CommandError extends CsiError {
  constructor(
    readonly cmd: string,
    readonly exitCode: number | string | null,
    readonly stderr: string,
  ) {
    super(GrpcCode.INTERNAL, `${cmd} failed${exitCode === null ? '' : ` (${exitCode})`}: ${stderr.trim().slice(0, 500) || 'no output'}`);
  }
}

const DEFAULT_TIMEOUT_MS = 30_000;

export function run(cmd: string, args: string[], opts: { timeoutMs?: number } = {}): Promise<RunResult> {
  // Through the helper process: the agent's loop does not stop for each fork (util/exec-helper.ts).
  return execFileHelped(cmd, args, { timeout: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 4 << 20, env: { ...process.env, LC_ALL: 'C' } }).catch((e: ExecError) => {
    if (e.code === 'ENOENT') throw new CsiError(GrpcCode.FAILED_PRECONDITION, `${cmd} is not installed on this node`);
    if (e.killed) throw new CsiError(GrpcCode.DEADLINE_EXCEEDED, `${cmd} ${args.join(' ')} did not finish within ${opts.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms`);
    throw new CommandError(`${cmd} ${args.join(' ')}`, e.code ?? null, String(e.stderr || e.stdout || e.message));
  });
}

/** Whether a program is on PATH (e.g. mkfs.xfs, which is optional). */
export async function hasCommand(cmd: string): Promise<boolean> {
  // The PATH, then the admin directories a service's PATH may lack.
  return (await which(cmd)) !== undefined || (await which(cmd, SYSTEM_BIN_DIRS)) !== undefined;
}
