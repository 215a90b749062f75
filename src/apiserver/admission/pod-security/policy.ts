// A namespace's Pod Security policy (level and version for enforce, audit and warn) from its
// pod-security.kubernetes.io/* labels over the configured defaults, and the evaluation of a pod (or a
// workload's template) against one level:version, worded as Kubernetes words it.

import { CHECKS, type Level, type Violation } from './checks.js';

export type { Level, Violation };
export const LEVELS: Level[] = ['privileged', 'baseline', 'restricted'];
export const MODES = ['enforce', 'audit', 'warn'] as const;
export type Mode = (typeof MODES)[number];
export const LABEL_PREFIX = 'pod-security.kubernetes.io/';

/** The newest Kubernetes minor whose checks gifee knows; newer versions evaluate as latest. */
export const LATEST_MINOR = 32;

export interface LevelVersion {
  level: Level;
  /** "latest" or "v1.N". */
  version: string;
}

export type Policy = Record<Mode, LevelVersion>;

export const levelVersionString = (lv: LevelVersion) => `${lv.level}:${lv.version}`;

export function isLevel(v: unknown): v is Level {
  return typeof v === 'string' && (LEVELS as string[]).includes(v);
}

/** The minor version a version string stands for (latest: Infinity), or undefined if it is not one. */
export function minorOf(version: string): number | undefined {
  if (version === 'latest') return Number.POSITIVE_INFINITY;
  const m = /^v1\.(0|[1-9][0-9]{0,3})$/.exec(version);
  if (!m) return undefined;
  const n = Number(m[1]);
  return n > LATEST_MINOR ? Number.POSITIVE_INFINITY : n;
}

export interface FieldProblem {
  field: string;
  value: string;
  message: string;
}

/**
 * The policy of a namespace with these labels. Invalid values are reported, and evaluated as
 * Kubernetes does: an invalid level as restricted, an invalid version as latest (fail closed).
 */
export function policyOf(labels: Record<string, unknown> | undefined, defaults: Policy): { policy: Policy; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const policy = { ...defaults } as Policy;
  for (const mode of MODES) {
    const levelKey = `${LABEL_PREFIX}${mode}`;
    const versionKey = `${levelKey}-version`;
    const lv = { ...defaults[mode] };
    const level = labels?.[levelKey];
    if (level !== undefined) {
      if (isLevel(level)) lv.level = level;
      else {
        problems.push({ field: `metadata.labels[${levelKey}]`, value: String(level), message: 'must be one of privileged, baseline, restricted' });
        lv.level = 'restricted';
      }
    }
    const version = labels?.[versionKey];
    if (version !== undefined) {
      if (typeof version === 'string' && minorOf(version) !== undefined) lv.version = version;
      else {
        problems.push({ field: `metadata.labels[${versionKey}]`, value: String(version), message: 'must be "latest" or "v1.x"' });
        lv.version = 'latest';
      }
    }
    policy[mode] = lv;
  }
  return { policy, problems };
}

/** The checks that apply at this level and version, in Kubernetes' order (baseline then restricted, by ID). */
function checksFor(level: Level, minor: number) {
  if (level === 'privileged') return [];
  const active = CHECKS.filter((c) => c.since <= minor && (c.level === 'baseline' || level === 'restricted'));
  const overridden = new Set(active.flatMap((c) => c.overrides ?? []));
  return active.filter((c) => !overridden.has(c.id));
}

/** What a pod (its metadata and spec) violates at this level:version; empty when allowed. */
export function evaluate(lv: LevelVersion, meta: unknown, spec: unknown): Violation[] {
  const minor = minorOf(lv.version) ?? Number.POSITIVE_INFINITY;
  const m = meta && typeof meta === 'object' ? meta : {};
  const s = spec && typeof spec === 'object' ? spec : {};
  const out: Violation[] = [];
  for (const c of checksFor(lv.level, minor)) {
    const v = c.run(m, s, minor);
    if (v) out.push(v);
  }
  return out;
}

/** "reason (detail), reason (detail)" as in Kubernetes' messages. */
export function describe(vs: Violation[]): string {
  return vs.map((v) => (v.detail ? `${v.reason} (${v.detail})` : v.reason)).join(', ');
}
