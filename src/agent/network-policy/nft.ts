// Running nft for the NetworkPolicy table: a script on stdin is one kernel transaction.

import { spawn } from 'node:child_process';

/** Runs `nft ARGS` (default: `-f -` with the script on stdin), in a named network namespace if given; resolves stdout. */
export function runNft(script: string, netns?: string, args: string[] = ['-f', '-']): Promise<string> {
  const argv = netns ? ['ip', 'netns', 'exec', netns, 'nft', ...args] : ['nft', ...args];
  return new Promise((resolve, reject) => {
    const p = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('error', (e) => reject(new Error(`nft could not run: ${e.message} (install the nftables package)`)));
    p.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`nft failed (exit ${code}): ${err.trim().split('\n').slice(0, 6).join(' | ')}`))));
    p.stdin.on('error', () => undefined);
    p.stdin.end(script);
  });
}
