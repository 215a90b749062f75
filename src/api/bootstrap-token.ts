// Bootstrap tokens (Kubernetes' bootstrap.kubernetes.io/token Secrets): "<token-id>.<token-secret>",
// kept as Secret kube-system/bootstrap-token-<token-id>. Shared by the API server's authenticator,
// the token cleaner and `gifee token`. Only the parsing and the Secret's rules live here.

export const BOOTSTRAP_TOKEN_TYPE = 'bootstrap.kubernetes.io/token';
export const BOOTSTRAP_TOKEN_NAMESPACE = 'kube-system';
export const BOOTSTRAP_TOKEN_PREFIX = 'bootstrap-token-';
export const BOOTSTRAPPERS_GROUP = 'system:bootstrappers';
export const BOOTSTRAP_USER_PREFIX = 'system:bootstrap:';

const TOKEN = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
const ID = /^[a-z0-9]{6}$/;
const EXTRA_GROUP = /^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/;

export const secretNameOf = (id: string) => `${BOOTSTRAP_TOKEN_PREFIX}${id}`;
export const isTokenId = (s: string) => ID.test(s);

/** "<id>.<secret>" split, or undefined when it is not a bootstrap token's shape. */
export function parseBootstrapToken(token: string): { id: string; secret: string } | undefined {
  const m = TOKEN.exec(token);
  return m ? { id: m[1], secret: m[2] } : undefined;
}

/** What a bootstrap token Secret says, decoded from its base64 data. */
export interface BootstrapTokenData {
  id?: string;
  secret?: string;
  expiration?: string;
  description?: string;
  authentication: boolean;
  signing: boolean;
  extraGroups: string[];
}

export function readTokenSecret(secret: { type?: unknown; data?: unknown }): BootstrapTokenData | undefined {
  if (secret.type !== BOOTSTRAP_TOKEN_TYPE) return undefined;
  const data = (secret.data ?? {}) as Record<string, string>;
  const get = (k: string) => (typeof data[k] === 'string' ? Buffer.from(data[k], 'base64').toString('utf8') : undefined);
  return {
    id: get('token-id'),
    secret: get('token-secret'),
    expiration: get('expiration'),
    description: get('description'),
    authentication: get('usage-bootstrap-authentication') === 'true',
    signing: get('usage-bootstrap-signing') === 'true',
    extraGroups: (get('auth-extra-groups') ?? '')
      .split(',')
      .map((g) => g.trim())
      .filter(Boolean),
  };
}

/** Expired at `now` (an unparseable expiration counts as expired, as in Kubernetes). */
export function isExpired(expiration: string | undefined, now = Date.now()): boolean {
  if (!expiration) return false;
  const t = Date.parse(expiration);
  return Number.isNaN(t) || t <= now;
}

/** The extra groups, if every one is a system:bootstrappers:... group; undefined if any is not. */
export function validExtraGroups(groups: string[]): string[] | undefined {
  return groups.every((g) => EXTRA_GROUP.test(g)) ? groups : undefined;
}

/** Data of a new token Secret (stringData, as kubeadm writes them). */
export function tokenSecretData(o: { id: string; secret: string; expiration?: string; description?: string; extraGroups?: string[] }): Record<string, string> {
  return {
    'token-id': o.id,
    'token-secret': o.secret,
    'usage-bootstrap-authentication': 'true',
    'usage-bootstrap-signing': 'true',
    ...(o.expiration ? { expiration: o.expiration } : {}),
    ...(o.description ? { description: o.description } : {}),
    ...(o.extraGroups?.length ? { 'auth-extra-groups': o.extraGroups.join(',') } : {}),
  };
}
