// What `gifee certs check` reports of one certificate file: whom it names, when it expires, and
// what that means for a gifee data dir — leaf certificates are renewed by a running server at 80%
// of their lifetime (rotation-plan.ts) and reissued at a server's start once they have less than
// RENEW_BEFORE_DAYS left (pki.ts), the CAs never are. Pure, for table tests.

import { X509Certificate } from 'node:crypto';

/** pki.ts reissues a leaf certificate at start when it has less than this left. */
export const RENEW_BEFORE_DAYS = 30;
const DAY_MS = 24 * 3600 * 1000;

export type CertStatus = 'ok' | 'renews-at-restart' | 'expired' | 'not-yet-valid' | 'unreadable';

export interface CertExpiry {
  file: string;
  subject?: string;
  issuer?: string;
  ca?: boolean;
  notAfter?: string;
  /** Whole days left (negative: expired that many days ago). */
  residualDays?: number;
  status: CertStatus;
  /** What to do, when anything. */
  action?: string;
  error?: string;
}

const cnOf = (dn: string) => /(?:^|\n)CN=([^\n]*)/.exec(dn)?.[1] ?? dn.split('\n').join(', ');

export function certExpiry(file: string, pem: string, now = Date.now()): CertExpiry {
  let c: X509Certificate;
  try {
    c = new X509Certificate(pem);
  } catch (e) {
    return { file, status: 'unreadable', error: (e as Error).message.slice(0, 200), action: 'not a PEM certificate: restore it from a snapshot or remove it to have it reissued at the next start' };
  }
  const notAfter = Date.parse(c.validTo);
  const notBefore = Date.parse(c.validFrom);
  const residualDays = Math.floor((notAfter - now) / DAY_MS);
  const out: CertExpiry = { file, subject: cnOf(c.subject), issuer: cnOf(c.issuer), ca: c.ca, notAfter: new Date(notAfter).toISOString(), residualDays, status: 'ok' };
  if (notBefore > now) return { ...out, status: 'not-yet-valid', action: "check this machine's clock (timedatectl)" };
  if (notAfter <= now) return { ...out, status: 'expired', action: c.ca ? 'a CA cannot be renewed in place: restore a snapshot or rebuild the cluster' : 'restart the server: it reissues expired leaf certificates at start' };
  if (!c.ca && notAfter - now < RENEW_BEFORE_DAYS * DAY_MS) return { ...out, status: 'renews-at-restart', action: 'a running server renews it before it expires (at 80% of its lifetime); a stopped one reissues it at start' };
  return out;
}
