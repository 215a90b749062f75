// Validation of a Service's outside-facing fields, as Kubernetes words it: spec.loadBalancerIP and
// spec.externalIPs must be IP addresses (gifee: IPv4), and external IPs may not be special
// addresses a node itself answers on (loopback, link-local, multicast, unspecified) — a Service
// must not capture a node's own 127.0.0.1 ports. healthCheckNodePort belongs to a LoadBalancer
// with externalTrafficPolicy Local only.

import { fieldErr } from '../../errors.js';
import type { FieldError } from '../../kind.js';
import { parseIPv4 } from '../../../util/ipv4.js';
import { needsHealthCheckNodePort, type ServiceSpec } from './service-spec.js';

type Spec = ServiceSpec & { loadBalancerIP?: string; externalIPs?: string[] };

const notIP = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';

function ipError(field: string, value: string): FieldError | undefined {
  if (parseIPv4(value) !== undefined) return undefined;
  if (value.includes(':')) return fieldErr.invalid(field, value, "an IPv6 address: gifee's Services are IPv4 only");
  return fieldErr.invalid(field, value, notIP);
}

function specialIPError(field: string, value: string): FieldError | undefined {
  const n = parseIPv4(value)!;
  const first = n >>> 24;
  if (n === 0) return fieldErr.invalid(field, value, 'may not be unspecified (0.0.0.0)');
  if (first === 127) return fieldErr.invalid(field, value, 'may not be in the loopback range (127.0.0.0/8, ::1/128)');
  if (first === 169 && ((n >>> 16) & 255) === 254) return fieldErr.invalid(field, value, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)');
  if (first >= 224 && first <= 239) return fieldErr.invalid(field, value, 'may not be in the multicast range (224.0.0.0/4, ff00::/8)');
  return undefined;
}

export function validateExternalFields(s: Spec): FieldError[] {
  const errs: FieldError[] = [];
  if (s.loadBalancerIP) {
    const e = ipError('spec.loadBalancerIP', s.loadBalancerIP);
    if (e) errs.push(e);
  }
  const ips = s.externalIPs ?? [];
  if (ips.length > 256) errs.push(fieldErr.invalid('spec.externalIPs', `${ips.length} addresses`, 'must have at most 256 items'));
  else
    ips.forEach((ip, i) => {
      const field = `spec.externalIPs[${i}]`;
      const e = ipError(field, String(ip)) ?? specialIPError(field, String(ip));
      if (e) errs.push(e);
    });
  const hc = s.healthCheckNodePort;
  if (hc !== undefined && hc !== 0) {
    if (!needsHealthCheckNodePort(s)) errs.push(fieldErr.invalid('spec.healthCheckNodePort', hc, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"));
    else if (hc < 1 || hc > 65535) errs.push(fieldErr.invalid('spec.healthCheckNodePort', hc, 'must be between 1 and 65535, inclusive'));
  }
  return errs;
}
