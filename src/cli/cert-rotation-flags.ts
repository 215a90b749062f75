// --leaf-cert-validity of `gifee server` and `gifee up`: how long the leaf certificates the server
// issues from the cluster CA are valid. The server renews each at 80% of its lifetime while it runs
// (certs/rotation-plan.ts), so a short validity means frequent renewals, never an outage; tests use
// seconds to see several renewals. The CAs (ten years) and the admin certificate are not affected.

import { type FlagTable, parseDuration, UsageError } from './args.js';

/** A year, as kubeadm and k3s issue leaf certificates. */
export const DEFAULT_LEAF_CERT_VALIDITY_MS = 365 * 24 * 3600 * 1000;
/** Below this, renewals (a key generation and a few file writes each) would come back to back. */
const MIN_MS = 10_000;
/** Not past the CA's own ten years. */
const MAX_MS = 10 * DEFAULT_LEAF_CERT_VALIDITY_MS;

export const CERT_ROTATION_FLAG_TABLE: FlagTable = {
  'leaf-cert-validity': { type: 'string', value: 'D', help: 'how long the leaf certificates the server issues are valid (serving, components,\nembedded agent); each is renewed at 80% of its lifetime while the server runs', default: '8760h' },
};

export function leafCertValidityOf(f: Record<string, unknown>): number | undefined {
  const v = f['leaf-cert-validity'];
  if (v === undefined) return undefined;
  const ms = parseDuration(String(v), 'leaf-cert-validity');
  if (ms < MIN_MS || ms > MAX_MS) throw new UsageError(`--leaf-cert-validity must be from 10s to 87600h (ten years), not "${String(v)}"`);
  return ms;
}
