// TokenReview: is this bearer token valid, for these audiences, and whose is it? Asks the same token
// authenticators (ApiState.tokenAuthenticators) that authenticate requests. A token nobody accepts is
// "not authenticated" with a fixed message: which authenticator refused it, and why, is never told.

import { badRequest, internalError } from '../../api/errors.js';
import type { KObject } from '../../api/kind.js';
import type { Logger } from '../../util/log.js';
import { authenticateToken, type TokenAuthenticator, type TokenResult } from '../authn.js';
import { userInfoJson } from './user-info.js';

export const INVALID_TOKEN = 'invalid bearer token';

export async function answerTokenReview(authenticators: readonly TokenAuthenticator[], review: KObject, log?: Logger): Promise<KObject> {
  const spec = (review.spec ?? {}) as { token?: string; audiences?: string[] };
  if (!spec.token) throw badRequest('token is required for TokenReview in authentication');
  const requested = spec.audiences?.length ? spec.audiences : undefined;
  let result: TokenResult | null = null;
  try {
    result = await authenticateToken(authenticators, spec.token, requested);
  } catch (e) {
    // An authenticator that throws is a bug there; the token is simply not vouched for.
    log?.warn('token authenticator failed during a TokenReview', { err: e instanceof Error ? e.message : String(e) });
  }
  if (result && requested) {
    // An authenticator that knows nothing of audiences cannot vouch for a token meant for another
    // service (Kubernetes' audience-agnostic wrapper refuses those too).
    if (!result.audiences) result = null;
    // One that returns audiences none of which were asked for is broken: Kubernetes answers 500.
    else if (!result.audiences.some((a) => requested.includes(a))) throw internalError(new Error('error validating audiences'));
  }
  const status = result ? { authenticated: true, user: userInfoJson(result.user), ...(result.audiences ? { audiences: result.audiences } : {}) } : { user: {}, error: INVALID_TOKEN };
  return { ...review, status };
}
