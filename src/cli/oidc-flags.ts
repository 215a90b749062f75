// OpenID Connect sign-in flags of `gifee server` and `gifee up` (kube-apiserver's names and defaults).

import { readFile } from 'node:fs/promises';
import { OIDC_ALGS, OidcAuthenticator, type OidcOptions, validateOidcOptions } from '../apiserver/authn/oidc.js';
import { type FlagTable, UsageError } from './args.js';
import { logger } from '../util/log.js';

export const OIDC_FLAG_TABLE: FlagTable = {
  'oidc-issuer-url': { type: 'string', value: 'URL', help: 'accept ID tokens of this OpenID Connect issuer (https) as bearer tokens' },
  'oidc-client-id': { type: 'string', value: 'ID', help: 'the audience ID tokens must be issued for' },
  'oidc-username-claim': { type: 'string', value: 'CLAIM', help: 'the claim naming the user', default: 'sub' },
  'oidc-username-prefix': { type: 'string', value: 'P', help: "put before usernames (default issuer URL + '#', none for email; '-': none)" },
  'oidc-groups-claim': { type: 'string', value: 'CLAIM', help: "the claim listing the user's groups (default: no groups)" },
  'oidc-groups-prefix': { type: 'string', value: 'P', help: 'put before group names' },
  'oidc-ca-file': { type: 'string', value: 'FILE', help: "CA bundle trusted for the issuer's HTTPS (default: the system's roots)" },
  'oidc-required-claim': { type: 'string', multiple: true, value: 'K=V', help: 'a claim the token must carry with this value (repeatable)' },
  'oidc-signing-algs': { type: 'string', value: 'LIST', help: `accepted signature algorithms, of ${OIDC_ALGS.join(',')}`, default: 'RS256' },
};

/** The file the CA is read from when the server starts. */
export type OidcConfig = Omit<OidcOptions, 'ca'> & { caFile?: string };

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

/** OIDC settings from the flags, or undefined without --oidc-issuer-url. */
export function oidcOf(f: Record<string, unknown>): OidcConfig | undefined {
  const issuerURL = str(f['oidc-issuer-url']);
  if (issuerURL === undefined) {
    const stray = Object.keys(OIDC_FLAG_TABLE).find((k) => f[k] !== undefined);
    if (stray) throw new UsageError(`--${stray} needs --oidc-issuer-url`);
    return undefined;
  }
  const required: Record<string, string> = {};
  const list = f['oidc-required-claim'];
  for (const kv of Array.isArray(list) ? list : list === undefined ? [] : [list]) {
    const i = String(kv).indexOf('=');
    if (i <= 0) throw new UsageError(`--oidc-required-claim must be KEY=VALUE, not "${String(kv)}"`);
    required[String(kv).slice(0, i)] = String(kv).slice(i + 1);
  }
  const cfg: OidcConfig = {
    issuerURL,
    clientID: str(f['oidc-client-id']) ?? '',
    usernameClaim: str(f['oidc-username-claim']) ?? 'sub',
    usernamePrefix: str(f['oidc-username-prefix']),
    groupsClaim: str(f['oidc-groups-claim']),
    groupsPrefix: str(f['oidc-groups-prefix']),
    caFile: str(f['oidc-ca-file']),
    requiredClaims: required,
    signingAlgs: (str(f['oidc-signing-algs']) ?? 'RS256')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  };
  const bad = validateOidcOptions(cfg);
  if (bad) throw new UsageError(bad);
  return cfg;
}

/** The OIDC token authenticator of the settings (none without), its CA read now; keys are fetched later, lazily. */
export async function oidcAuthenticators(cfg: OidcConfig | undefined): Promise<OidcAuthenticator[]> {
  if (!cfg) return [];
  const { caFile, ...rest } = cfg;
  let ca: string | undefined;
  if (caFile) {
    try {
      ca = await readFile(caFile, 'utf8');
    } catch (e) {
      throw new UsageError(`--oidc-ca-file: cannot read ${caFile}: ${(e as Error).message}`);
    }
  }
  const a = new OidcAuthenticator({ ...rest, ca, log: logger('apiserver').child({ authenticator: 'oidc' }) });
  a.prefetch();
  return [a];
}
