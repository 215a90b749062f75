// user.Info as the authentication API shows it (TokenReview, SelfSubjectReview): Go's omitempty
// fields left out when empty.

import type { UserInfo } from '../context.js';

export interface UserInfoJson {
  username?: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

export function userInfoJson(u: UserInfo): UserInfoJson {
  const out: UserInfoJson = {};
  if (u.name) out.username = u.name;
  if (u.uid) out.uid = u.uid;
  if (u.groups.length > 0) out.groups = [...u.groups];
  if (u.extra && Object.keys(u.extra).length > 0) out.extra = structuredClone(u.extra);
  return out;
}
