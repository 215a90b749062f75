// Machine-wide reservations for test resources that parallel test files would otherwise pick at
// random and may pick alike (a pod CIDR: two bridges with one subnet make pods unreachable). A
// reservation is a directory created atomically under the temp dir, holding its owner's pid; one
// whose owner died is taken over.

import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isProcessAlive } from '../../src/util/process-alive.js';

const root = join(tmpdir(), 'gifee-test-reservations');

/** Reserves one of the candidates (tried in a random order) for this process; release() frees it. */
export function reserve(kind: string, candidates: number[]): { value: number; release(): void } {
  mkdirSync(root, { recursive: true });
  const order = [...candidates].sort(() => Math.random() - 0.5);
  for (const value of order) {
    const dir = join(root, `${kind}-${value}`);
    try {
      mkdirSync(dir);
    } catch {
      let owner = Number.NaN;
      try {
        owner = Number(readFileSync(join(dir, 'pid'), 'utf8'));
      } catch {
        continue; // being created right now by another process
      }
      if (!Number.isInteger(owner) || isProcessAlive(owner)) continue;
      rmSync(dir, { recursive: true, force: true }); // its owner died: take it over
      try {
        mkdirSync(dir);
      } catch {
        continue;
      }
    }
    writeFileSync(join(dir, 'pid'), String(process.pid));
    return { value, release: () => rmSync(dir, { recursive: true, force: true }) };
  }
  throw new Error(`no ${kind} left to reserve (${candidates.length} candidates, all held by running tests)`);
}
