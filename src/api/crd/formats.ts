// The string formats kube-openapi checks in custom resources (its format registry), as predicates.
// Every check is a bounded scan or a linear regular expression: values are hostile.

import { isIP } from 'node:net';

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const UUID_V = (v: string) => new RegExp(`^[0-9a-f]{8}-?[0-9a-f]{4}-?${v}[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$`, 'i');
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
// strfmt's date-time layouts: RFC 3339 with optional fraction; the zone may be omitted (local time).
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:?\d{2})?$/;
// Go's time.ParseDuration, or strfmt's "<n> <unit>" with its unit names ("3d", "5 minutes", "2w").
const GO_DURATION = /^[-+]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h))+$|^[-+]?0$/;
const UNIT_DURATION = /^(-\s?)?\d+\s*(ns|us|µs|ms|s|m|h|d|w|nanoseconds?|microseconds?|milliseconds?|seconds?|sec|minutes?|min|hours?|hr|days?|weeks?|wk)$/i;
const EMAIL = /^[^\s@<>()[\],;:"]+@[^\s@<>()[\],;:"]+$/;
const HOSTNAME_LABEL = /^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/;
const MAC = /^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$|^([0-9a-fA-F]{2}[:-]){7}[0-9a-fA-F]{2}$|^([0-9a-fA-F]{4}\.){2}[0-9a-fA-F]{4}$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const OBJECT_ID = /^[0-9a-f]{24}$/i;

function validDate(v: string): boolean {
  const m = DATE.exec(v);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const dt = new Date(Date.UTC(y, mo - 1, d));
  return dt.getUTCFullYear() === y && dt.getUTCMonth() === mo - 1 && dt.getUTCDate() === d;
}

function validDateTime(v: string): boolean {
  return DATE_TIME.test(v) && validDate(v.slice(0, 10)) && Number(v.slice(11, 13)) < 24 && Number(v.slice(14, 16)) < 60 && Number(v.slice(17, 19)) < 61;
}

function validHostname(v: string): boolean {
  if (v.length === 0 || v.length > 253) return false;
  return v
    .replace(/\.$/, '')
    .split('.')
    .every((l) => HOSTNAME_LABEL.test(l));
}

function validCidr(v: string): boolean {
  const slash = v.indexOf('/');
  if (slash < 0) return false;
  const ip = isIP(v.slice(0, slash));
  const bits = v.slice(slash + 1);
  if (!ip || !/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (ip === 4 ? 32 : 128);
}

function validUri(v: string): boolean {
  if (v.length > 8192) return false;
  try {
    return new URL(v).protocol.length > 1;
  } catch {
    return false;
  }
}

const checks: Record<string, (v: string) => boolean> = {
  byte: (v) => v.length % 4 === 0 && BASE64.test(v),
  date: validDate,
  'date-time': validDateTime,
  datetime: validDateTime,
  duration: (v) => v.length <= 256 && (GO_DURATION.test(v) || UNIT_DURATION.test(v.trim())),
  uuid: (v) => UUID.test(v),
  uuid3: (v) => UUID_V('3').test(v),
  uuid4: (v) => UUID_V('4').test(v),
  uuid5: (v) => UUID_V('5').test(v),
  email: (v) => v.length <= 320 && EMAIL.test(v),
  hostname: validHostname,
  ipv4: (v) => isIP(v) === 4,
  ipv6: (v) => isIP(v) === 6,
  cidr: validCidr,
  mac: (v) => MAC.test(v),
  uri: validUri,
  bsonobjectid: (v) => OBJECT_ID.test(v),
};

/** Formats a string value is checked against; others (password, int32 on strings...) are documentation only, as in Kubernetes. */
export const CHECKED_STRING_FORMATS = new Set(Object.keys(checks));

/** True when `v` is a valid `format` value, or the format is not one kube-openapi checks. */
export function matchesFormat(format: string, v: string): boolean {
  const check = checks[format];
  return check ? check(v) : true;
}
