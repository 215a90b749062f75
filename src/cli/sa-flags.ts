// Service account token flags of `gifee server` and `gifee up`, with Kubernetes' names: the issuer
// written into (and required of) every token, and the audiences the API server accepts.

import { type FlagTable, UsageError } from './args.js';

export const DEFAULT_SERVICE_ACCOUNT_ISSUER = 'https://kubernetes.default.svc.cluster.local';

export const SERVICE_ACCOUNT_FLAG_TABLE: FlagTable = {
  'service-account-issuer': { type: 'string', value: 'URL', help: 'the iss claim of service account tokens (an https URL)', default: DEFAULT_SERVICE_ACCOUNT_ISSUER },
  'api-audiences': { type: 'string', value: 'LIST', help: 'comma-separated audiences the API server accepts in tokens (default: the issuer)' },
};

export interface ServiceAccountSettings {
  issuer: string;
  apiAudiences: string[];
}

/** The issuer and API audiences from the parsed flags; a bad issuer is a usage error. */
export function serviceAccountSettingsOf(f: Record<string, unknown>): ServiceAccountSettings {
  const issuer = (f['service-account-issuer'] as string | undefined) ?? DEFAULT_SERVICE_ACCOUNT_ISSUER;
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new UsageError(`--service-account-issuer must be a URL, not "${issuer}"`);
  }
  if (url.protocol !== 'https:' || url.search || url.hash) throw new UsageError(`--service-account-issuer must be an https URL without query or fragment, not "${issuer}"`);
  const raw = f['api-audiences'] as string | undefined;
  const apiAudiences =
    raw === undefined
      ? [issuer]
      : raw
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
  if (apiAudiences.length === 0) throw new UsageError('--api-audiences needs at least one audience');
  return { issuer, apiAudiences };
}
