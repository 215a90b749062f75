// When a running server renews its leaf certificates: each at 80% of its lifetime (the kubelet
// renews between 70% and 90%; a year-long certificate is renewed with ~73 days left, well before
// the 30 days `gifee certs check` warns at), or at once when it expires later than a certificate
// issued now would (the leaf validity was shortened) or claims to start in the future (the clock
// went back). Pure: the rotation loop (leaf-rotation.ts) reads the certificates and acts on the plan.

/** A leaf certificate's validity, in milliseconds since the epoch. */
export interface LeafValidity {
  name: string;
  notBefore: number;
  notAfter: number;
}

export interface RotationPolicy {
  /** How long a certificate issued now is valid. */
  validityMs: number;
  /** The fraction of its lifetime after which a certificate is renewed (default 0.8). */
  renewAtFraction?: number;
  /** The longest wait between checks, so a suspended machine or a jump of the clock is noticed (default an hour). */
  maxCheckIntervalMs?: number;
  /** The shortest wait between checks, so a certificate that is renewed to no avail cannot spin the loop (default a second). */
  minCheckIntervalMs?: number;
}

export interface RotationPlan {
  /** Names of the certificates to renew now. */
  renew: string[];
  /** When to look again (for the ones not renewed now; the renewed ones are planned anew from their new validity). */
  nextCheckAt: number;
}

export const RENEW_AT_FRACTION = 0.8;
const HOUR_MS = 3600_000;
/** Certificates are issued backdated a minute (pki.ts) and take a moment to write: slack before "expires later than a new one" applies. */
const ISSUE_SLACK_MS = 5 * 60_000;
/** A notBefore this far ahead of the clock means the clock went back (pki.ts backdates by a minute, never forward). */
const FUTURE_SLACK_MS = 10 * 60_000;

/** The moment a certificate is due for renewal. */
export function renewalDue(c: LeafValidity, p: RotationPolicy, now: number): number {
  if (!(c.notAfter > c.notBefore)) return now; // unreadable dates or an empty lifetime: renew
  if (c.notBefore > now + FUTURE_SLACK_MS) return now;
  if (c.notAfter > now + p.validityMs + ISSUE_SLACK_MS) return now;
  return c.notBefore + (c.notAfter - c.notBefore) * (p.renewAtFraction ?? RENEW_AT_FRACTION);
}

export function planRotation(certs: readonly LeafValidity[], p: RotationPolicy, now: number): RotationPlan {
  const renew: string[] = [];
  const maxWait = p.maxCheckIntervalMs ?? HOUR_MS;
  const minWait = p.minCheckIntervalMs ?? 1000;
  let next = now + maxWait;
  for (const c of certs) {
    const due = renewalDue(c, p, now);
    if (due <= now) renew.push(c.name);
    else next = Math.min(next, due);
  }
  return { renew, nextCheckAt: Math.max(next, now + minWait) };
}
