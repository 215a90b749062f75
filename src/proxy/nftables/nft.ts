// Running the nft command: a script on stdin (one kernel transaction), or a single command.

import { spawn } from 'node:child_process';

export class NftError extends Error {
  constructor(
    message: string,
    readonly stderr: string,
  ) {
    super(message);
    this.name = 'NftError';
  }
}

/** Runs `nft [args] -f -` with the script on stdin; `check` validates without applying (nft -c). */
export function nftApply(script: string, opts: { check?: boolean } = {}): Promise<void> {
  return nft([...(opts.check ? ['-c'] : []), '-f', '-'], script).then(() => undefined);
}

export function nft(args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn('nft', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('error', (e) => reject(new NftError(`nft could not run: ${e.message} (install the nftables package)`, '')));
    p.on('close', (code) => {
      if (code === 0) resolve(out);
      else reject(new NftError(`nft ${args.join(' ')} failed (exit ${code}): ${firstLines(err)}`, err));
    });
    p.stdin.on('error', () => undefined);
    p.stdin.end(input ?? '');
  });
}

const firstLines = (s: string) => s.trim().split('\n').slice(0, 6).join(' | ');

/** Removes a table if it exists (nft has no "delete if exists": add then delete is one transaction). */
export async function deleteTable(table: string): Promise<void> {
  await nftApply(`add table ip ${table}\ndelete table ip ${table}\n`);
}
