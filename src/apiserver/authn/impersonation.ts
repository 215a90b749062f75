// Impersonation (Impersonate-User, Impersonate-Group, Impersonate-Uid, Impersonate-Extra-<key>), as
// Kubernetes' impersonation filter does it: after authentication and before authorization, each
// thing asked for is checked with the `impersonate` verb through the server's authorizer, as the
// authenticated user, on users / groups / uids / userextras/<key> (and serviceaccounts in their
// namespace for system:serviceaccount:NS:NAME); the first one refused is a 403. The request then
// runs as the impersonated user, who gets system:authenticated (system:unauthenticated for
// system:anonymous) unless the groups asked for say otherwise.

import type { IncomingMessage } from 'node:http';
import { ApiError, badRequest } from '../../api/errors.js';
import { dns1123Label, dns1123Subdomain } from '../../api/names.js';
import type { UserInfo } from '../context.js';
import { authorizeOrThrow } from '../authz/chain.js';
import type { Attributes, Authorizer } from '../authz/types.js';

const USER = 'impersonate-user';
const GROUP = 'impersonate-group';
const UID = 'impersonate-uid';
const EXTRA_PREFIX = 'impersonate-extra-';
const SA_PREFIX = 'system:serviceaccount:';
const AUTHENTICATED = 'system:authenticated';
const UNAUTHENTICATED = 'system:unauthenticated';
const ANONYMOUS = 'system:anonymous';

/** One thing asked for, as the attributes its `impersonate` check is made with (without the user). */
export type ImpersonationRequest = { kind: 'ServiceAccount'; namespace: string; name: string } | { kind: 'User'; name: string } | { kind: 'Group'; name: string } | { kind: 'UserExtra'; key: string; value: string } | { kind: 'UID'; name: string };

/** Headers as Node keeps them apart (lower-cased names, repeated headers as arrays). */
export type HeaderLists = Record<string, string[] | undefined>;

/** The service account a username names, if it is a well-formed system:serviceaccount:NS:NAME. */
export function serviceAccountOf(username: string): { namespace: string; name: string } | undefined {
  if (!username.startsWith(SA_PREFIX)) return undefined;
  const parts = username.slice(SA_PREFIX.length).split(':');
  if (parts.length !== 2) return undefined;
  const [namespace, name] = parts;
  if (dns1123Label(namespace).length > 0 || dns1123Subdomain(name).length > 0) return undefined;
  return { namespace, name };
}

/** Extra keys travel percent-encoded in header names (which cannot hold every character). */
function unescapeExtraKey(key: string): string {
  try {
    return decodeURIComponent(key);
  } catch {
    return key; // recorded as sent, as Kubernetes does
  }
}

/** What the headers ask for, in Kubernetes' order (user, groups, extras, uid); 400 for groups, extras or uid without a user. */
export function impersonationRequests(headers: HeaderLists): ImpersonationRequest[] {
  const out: ImpersonationRequest[] = [];
  const user = headers[USER]?.[0] ?? '';
  if (user) {
    const sa = serviceAccountOf(user);
    out.push(sa ? { kind: 'ServiceAccount', ...sa } : { kind: 'User', name: user });
  }
  const groups = headers[GROUP] ?? [];
  for (const g of groups) out.push({ kind: 'Group', name: g });
  let extras = 0;
  for (const [name, values] of Object.entries(headers)) {
    if (!name.startsWith(EXTRA_PREFIX) || !values) continue;
    const key = unescapeExtraKey(name.slice(EXTRA_PREFIX.length).toLowerCase());
    for (const value of values) {
      out.push({ kind: 'UserExtra', key, value });
      extras++;
    }
  }
  const uid = headers[UID]?.[0] ?? '';
  if (uid) out.push({ kind: 'UID', name: uid });
  if (!user && (groups.length > 0 || extras > 0 || uid)) {
    const asked = out.map((r) => (r.kind === 'UserExtra' ? `extra ${JSON.stringify(r.key)}=${JSON.stringify(r.value)}` : `${r.kind === 'Group' ? 'group' : 'uid'} ${JSON.stringify(r.name)}`));
    throw badRequest(`requested ${asked.join(', ')} without impersonating a user`);
  }
  return out;
}

/** The `impersonate` check for one request, made as the authenticated user. */
export function impersonateAttributes(by: UserInfo, r: ImpersonationRequest): Attributes {
  const base = { user: by, verb: 'impersonate', resourceRequest: true } as const;
  switch (r.kind) {
    case 'ServiceAccount':
      return { ...base, apiGroup: '', apiVersion: 'v1', resource: 'serviceaccounts', namespace: r.namespace, name: r.name };
    case 'User':
      return { ...base, apiGroup: '', apiVersion: 'v1', resource: 'users', name: r.name };
    case 'Group':
      return { ...base, apiGroup: '', apiVersion: 'v1', resource: 'groups', name: r.name };
    case 'UserExtra':
      return { ...base, apiGroup: 'authentication.k8s.io', apiVersion: 'v1', resource: 'userextras', subresource: r.key, name: r.value };
    case 'UID':
      return { ...base, apiGroup: 'authentication.k8s.io', apiVersion: 'v1', resource: 'uids', name: r.name };
  }
}

/** The user the requests add up to (groups given are the authority; a service account's come from its namespace otherwise). */
export function impersonatedUser(requests: readonly ImpersonationRequest[], groupsGiven: boolean): UserInfo {
  let name = '';
  let uid = '';
  let groups: string[] = [];
  const extra: Record<string, string[]> = {};
  for (const r of requests) {
    if (r.kind === 'ServiceAccount') {
      name = `${SA_PREFIX}${r.namespace}:${r.name}`;
      if (!groupsGiven) groups = ['system:serviceaccounts', `system:serviceaccounts:${r.namespace}`];
    } else if (r.kind === 'User') name = r.name;
    else if (r.kind === 'Group') groups.push(r.name);
    else if (r.kind === 'UserExtra') (extra[r.key] ??= []).push(r.value);
    else uid = r.name;
  }
  if (name !== ANONYMOUS) {
    if (!groups.includes(AUTHENTICATED) && !groups.includes(UNAUTHENTICATED)) groups.push(AUTHENTICATED);
  } else if (!groups.includes(UNAUTHENTICATED)) groups.push(UNAUTHENTICATED);
  return { name, groups, ...(uid ? { uid } : {}), ...(Object.keys(extra).length > 0 ? { extra } : {}) };
}

/** Who impersonated the user a request runs as (audit logs record both). */
const impersonators = new WeakMap<IncomingMessage, UserInfo>();
export const impersonatorOf = (req: IncomingMessage): UserInfo | undefined => impersonators.get(req);

/**
 * The user a request runs as: the authenticated one, or the one it impersonates once every part of
 * the impersonation is allowed. Throws 400 for malformed impersonation, 403 for a refused one.
 */
export async function impersonate(req: IncomingMessage, authenticated: UserInfo, authorizer: Authorizer): Promise<UserInfo> {
  const headers = req.headersDistinct as HeaderLists;
  const requests = impersonationRequests(headers);
  if (requests.length === 0) return authenticated;
  for (const r of requests) {
    try {
      await authorizeOrThrow(authorizer, impersonateAttributes(authenticated, r));
    } catch (e) {
      // An authorizer that fails refuses: impersonation is never granted by an error.
      if (e instanceof ApiError) throw e;
      throw new ApiError(403, 'Forbidden', 'impersonation could not be authorized');
    }
  }
  const user = impersonatedUser(requests, (headers[GROUP]?.length ?? 0) > 0);
  impersonators.set(req, authenticated);
  return user;
}
