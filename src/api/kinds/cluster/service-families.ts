// gifee's service network is IPv4 only: a Service asking for IPv6 or dual-stack is refused with
// the errors kube-apiserver's allocator gives on a single-stack IPv4 cluster (field paths and
// wording of initIPFamilyFields), never silently rewritten to IPv4. In validation, so a dry run
// is refused too. ExternalName services have no IP families and are left alone.

import type { FieldError } from '../../kind.js';

interface FamilySpec {
  type?: string;
  clusterIP?: string;
  clusterIPs?: string[];
  ipFamilies?: string[];
  ipFamilyPolicy?: string;
}

/** Go's %#v of a []string: []string{"a", "b"}. */
const goStrings = (xs: string[]) => `[]string{${xs.map((x) => JSON.stringify(x)).join(', ')}}`;

export function ipv4OnlyFamilies(s: FamilySpec): FieldError[] {
  if (s.type === 'ExternalName') return [];
  const errs: FieldError[] = [];
  const ips = s.clusterIPs?.length ? s.clusterIPs : s.clusterIP ? [s.clusterIP] : [];
  const families = s.ipFamilies ?? [];
  // A family inferred from a requested IP (no ipFamilies entry for it) names the IP list.
  for (const [i, ip] of ips.entries()) {
    if (ip === 'None') break;
    if (i >= families.length && ip.includes(':')) {
      errs.push({ field: `spec.clusterIPs[${i}]`, reason: 'FieldValueInvalid', message: `Invalid value: ${goStrings(ips)}: IPv6 is not configured on this cluster` });
    } else if (families[i] === 'IPv4' && ip.includes(':')) {
      errs.push({ field: `spec.clusterIPs[${i}]`, reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(ip)}: expected an IPv4 value as indicated by \`ipFamilies[${i}]\`` });
    }
  }
  if (s.ipFamilyPolicy === 'RequireDualStack') {
    errs.push({ field: 'spec.ipFamilyPolicy', reason: 'FieldValueInvalid', message: 'Invalid value: "RequireDualStack": this cluster is not configured for dual-stack services' });
  }
  for (const [i, f] of families.entries()) {
    if (f === 'IPv6') errs.push({ field: `spec.ipFamilies[${i}]`, reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(f)}: not configured on this cluster` });
  }
  return errs;
}
