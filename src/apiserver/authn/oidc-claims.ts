// Verified ID token claims → the Kubernetes user, with Kubernetes' rules for the legacy --oidc-* flags:
// the username claim must be a non-empty string, prefixed (by default issuer#, except for email);
// email_verified, when present, must be true if the username is the email; groups come from a string
// or an array of strings, prefixed; every required claim must be present with its exact value.

import type { UserInfo } from '../context.js';

export interface ClaimMapping {
  issuer: string;
  usernameClaim: string;
  /** undefined: Kubernetes' default (issuer + '#' unless the claim is email); '-': none. */
  usernamePrefix?: string;
  groupsClaim?: string;
  groupsPrefix?: string;
  requiredClaims?: Record<string, string>;
}

/** The prefix put before usernames, as kube-apiserver chooses it. */
export function effectiveUsernamePrefix(m: ClaimMapping): string {
  if (m.usernamePrefix === '-') return '';
  if (m.usernamePrefix !== undefined) return m.usernamePrefix;
  return m.usernameClaim === 'email' ? '' : `${m.issuer}#`;
}

/** The user the claims name, or null when they do not make a valid user. */
export function userOfClaims(claims: Record<string, unknown>, m: ClaimMapping): UserInfo | null {
  for (const [k, v] of Object.entries(m.requiredClaims ?? {})) if (claims[k] !== v) return null;
  const name = claims[m.usernameClaim];
  if (typeof name !== 'string' || name === '') return null;
  if (m.usernameClaim === 'email' && 'email_verified' in claims && claims.email_verified !== true) return null;
  const username = effectiveUsernamePrefix(m) + name;
  // Identities under system: belong to the cluster's own components: a provider cannot hand them out.
  if (username.startsWith('system:')) return null;
  let groups: string[] = [];
  if (m.groupsClaim && claims[m.groupsClaim] !== undefined) {
    const g = claims[m.groupsClaim];
    if (typeof g === 'string') groups = [g];
    else if (Array.isArray(g) && g.every((x) => typeof x === 'string')) groups = g as string[];
    else return null;
    groups = groups.map((x) => (m.groupsPrefix ?? '') + x);
    if (groups.some((x) => x.startsWith('system:'))) return null;
  }
  return { name: username, groups: [...groups, 'system:authenticated'] };
}
