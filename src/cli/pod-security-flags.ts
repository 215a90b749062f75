// Pod Security Admission as flags of `gifee up` and `gifee server`: --pod-security-admission-config-file
// names a PodSecurityConfiguration (or an AdmissionConfiguration holding one) with the default
// levels and the exemptions; without it namespaces without labels enforce baseline and warn about
// restricted, and kube-system is exempt.

import { readFile } from 'node:fs/promises';
import { GIFEE_DEFAULTS, parsePodSecurityConfig, type PodSecurityConfig } from '../apiserver/admission/pod-security/config.js';
import { type FlagTable, UsageError } from './args.js';

export const POD_SECURITY_FLAG_TABLE: FlagTable = {
  'pod-security-admission-config-file': { type: 'string', value: 'FILE', help: 'PodSecurityConfiguration: default levels and exemptions of Pod Security\nAdmission (default: enforce baseline, warn restricted, kube-system exempt)' },
};

export function podSecurityConfigFileOf(f: Record<string, unknown>): string | undefined {
  const v = f['pod-security-admission-config-file'];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '') throw new UsageError('--pod-security-admission-config-file needs a file');
  return v;
}

/** The file's configuration, or gifee's defaults; every problem is a UsageError naming the file. */
export async function loadPodSecurityConfig(file: string | undefined): Promise<PodSecurityConfig> {
  if (!file) return structuredClone(GIFEE_DEFAULTS);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new UsageError(`--pod-security-admission-config-file: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return parsePodSecurityConfig(text);
  } catch (e) {
    throw new UsageError(`--pod-security-admission-config-file ${file}: ${(e as Error).message}`);
  }
}
