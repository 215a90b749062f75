// The bootstrap token authenticator (Kubernetes' --enable-bootstrap-token-auth): "<id>.<secret>"
// is user system:bootstrap:<id> in system:bootstrappers (and the Secret's auth-extra-groups) while
// Secret kube-system/bootstrap-token-<id> exists, is not being deleted, allows authentication,
// has not expired and holds that secret (compared in constant time). Anything else: not this
// authenticator's token (null), so the request is a 401.

import { timingSafeEqual, createHash } from 'node:crypto';
import { BOOTSTRAP_TOKEN_NAMESPACE, BOOTSTRAP_USER_PREFIX, BOOTSTRAPPERS_GROUP, isExpired, parseBootstrapToken, readTokenSecret, secretNameOf, validExtraGroups } from '../api/bootstrap-token.js';
import type { TokenAuthenticator } from './authn.js';
import type { ApiState } from './context.js';

/** Equal in constant time whatever the lengths (both sides hashed first). */
function sameSecret(a: string, b: string): boolean {
  const h = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(h(a), h(b));
}

export function bootstrapTokenAuthenticator(state: ApiState): TokenAuthenticator {
  return {
    name: 'bootstrap-token',
    async authenticateToken(token: string) {
      const t = parseBootstrapToken(token);
      if (!t) return null;
      const def = state.registry.byResource('', 'v1', 'secrets');
      if (!def) return null;
      const stored = await state.objects(def).get(BOOTSTRAP_TOKEN_NAMESPACE, secretNameOf(t.id));
      if (!stored || stored.obj.metadata?.deletionTimestamp) return null;
      const data = readTokenSecret(stored.obj as { type?: unknown; data?: unknown });
      if (!data?.authentication || data.id !== t.id || data.secret === undefined) return null;
      if (!sameSecret(data.secret, t.secret)) return null;
      if (isExpired(data.expiration)) return null;
      const extra = validExtraGroups(data.extraGroups);
      if (!extra) return null;
      return { user: { name: `${BOOTSTRAP_USER_PREFIX}${t.id}`, groups: [BOOTSTRAPPERS_GROUP, ...extra, 'system:authenticated'] } };
    },
  };
}
