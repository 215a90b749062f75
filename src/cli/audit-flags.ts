// Audit log flags of `gifee server` and `gifee up` (kube-apiserver's names): the policy, where events
// go, and when the file rotates.

import { readFile } from 'node:fs/promises';
import { type FlagTable, UsageError } from './args.js';
import type { AuditOptions } from '../apiserver/audit/recorder.js';
import { parsePolicy, PolicyError } from '../apiserver/audit/policy.js';

export const AUDIT_FLAG_TABLE: FlagTable = {
  'audit-policy-file': { type: 'string', value: 'FILE', help: 'audit.k8s.io/v1 Policy: which requests are logged, at which level' },
  'audit-log-path': { type: 'string', value: 'FILE', help: "write audit events here as JSON lines ('-': standard output)" },
  'audit-log-maxsize': { type: 'string', value: 'MB', help: 'rotate the audit log past this size (default 100)' },
  'audit-log-maxbackup': { type: 'string', value: 'N', help: 'rotated audit logs kept (default 0: all)' },
  'audit-log-maxage': { type: 'string', value: 'DAYS', help: 'days a rotated audit log is kept (default 0: forever)' },
};

export interface AuditConfig {
  policyFile: string;
  path: string;
  maxSizeMB?: number;
  maxBackups?: number;
  maxAgeDays?: number;
}

function count(v: unknown, flag: string): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !/^\d+$/.test(v) || !Number.isSafeInteger(Number(v))) throw new UsageError(`--${flag} must be a whole number, not "${String(v)}"`);
  return Number(v);
}

/** The audit settings from the flags, or undefined when auditing is off. */
export function auditOf(f: Record<string, unknown>): AuditConfig | undefined {
  const policyFile = f['audit-policy-file'] as string | undefined;
  const path = f['audit-log-path'] as string | undefined;
  const rotation = { maxSizeMB: count(f['audit-log-maxsize'], 'audit-log-maxsize'), maxBackups: count(f['audit-log-maxbackup'], 'audit-log-maxbackup'), maxAgeDays: count(f['audit-log-maxage'], 'audit-log-maxage') };
  if (!policyFile && !path) {
    const stray = Object.keys(AUDIT_FLAG_TABLE).find((k) => f[k] !== undefined);
    if (stray) throw new UsageError(`--${stray} needs --audit-policy-file and --audit-log-path`);
    return undefined;
  }
  if (!policyFile) throw new UsageError('--audit-log-path needs --audit-policy-file (which requests to log)');
  if (!path) throw new UsageError('--audit-policy-file needs --audit-log-path (where to write events; - for standard output)');
  return { policyFile, path, ...rotation };
}

/** Reads and validates the policy file: a bad one stops the server at start-up, saying where it is wrong. */
export async function loadAudit(cfg: AuditConfig): Promise<AuditOptions> {
  let text: string;
  try {
    text = await readFile(cfg.policyFile, 'utf8');
  } catch (e) {
    throw new UsageError(`--audit-policy-file: cannot read ${cfg.policyFile}: ${(e as Error).message}`);
  }
  try {
    const { policyFile: _, ...log } = cfg;
    return { ...log, policy: parsePolicy(text) };
  } catch (e) {
    if (e instanceof PolicyError) throw new UsageError(`--audit-policy-file ${cfg.policyFile}: ${e.message}`);
    throw e;
  }
}
