// Who may do what, as flags of `gifee server` and `gifee up` (Kubernetes' names): whether requests
// without credentials are served as system:anonymous, and which authorizer decides requests.

import { type FlagTable, UsageError } from './args.js';

export type AuthorizationMode = 'RBAC' | 'AlwaysAllow';

export const AUTHZ_FLAG_TABLE: FlagTable = {
  'anonymous-auth': { type: 'string', value: 'true|false', help: 'serve requests without credentials as user system:anonymous (group\nsystem:unauthenticated), which RBAC lets read /healthz, /version, /cacerts...;\nfalse: 401 for every request without credentials', default: 'true' },
  'authorization-mode': { type: 'string', value: 'RBAC|AlwaysAllow', help: 'RBAC: roles and bindings decide (system:masters may do anything);\nAlwaysAllow: every request is allowed (tests and benchmarks only)', default: 'RBAC' },
};

export interface AuthzSettings {
  anonymousAuth: boolean;
  authorizationMode: AuthorizationMode;
}

export function authzOf(f: Record<string, unknown>): AuthzSettings {
  const anon = f['anonymous-auth'] ?? 'true';
  if (anon !== 'true' && anon !== 'false' && anon !== true) throw new UsageError(`--anonymous-auth must be true or false, not "${String(anon)}"`);
  const mode = f['authorization-mode'] ?? 'RBAC';
  if (mode !== 'RBAC' && mode !== 'AlwaysAllow') throw new UsageError(`--authorization-mode must be RBAC or AlwaysAllow, not "${String(mode)}"`);
  return { anonymousAuth: anon !== 'false', authorizationMode: mode };
}
