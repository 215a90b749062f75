// The `authorizer` variable of one request's CEL evaluations (ValidatingAdmissionPolicy, webhook
// matchConditions). gifee's authorizers may answer asynchronously and CEL runs synchronously, so a
// check not yet known is recorded and answered with AuthzPending; the caller resolves the recorded
// checks and evaluates again (evaluateWithAuthorizer, a few rounds at most).
// At most MAX_CHECKS distinct checks per request: past that a check answers with an error decision.

import { type AuthzCheck, type AuthzDecision, AuthzPending, type CelAuthorizer } from '../../api/cel/index.js';
import type { UserInfo } from '../context.js';
import type { Authorizer } from '../authz/types.js';

const MAX_CHECKS = 64;

export class RequestAuthorizer implements CelAuthorizer {
  private known = new Map<string, AuthzDecision>();
  private pending = new Map<string, AuthzCheck>();

  constructor(
    private authorizer: Authorizer,
    private user: UserInfo,
    readonly requestResource: CelAuthorizer['requestResource'],
  ) {}

  check(c: AuthzCheck): AuthzDecision {
    const key = JSON.stringify(c);
    const d = this.known.get(key);
    if (d) return d;
    if (this.known.size + this.pending.size >= MAX_CHECKS) return { decision: 'noOpinion', reason: '', error: `too many authorization checks (more than ${MAX_CHECKS})` };
    this.pending.set(key, c);
    throw new AuthzPending(c);
  }

  get hasPending() {
    return this.pending.size > 0;
  }

  /** Asks the server's authorizer the recorded checks. */
  async resolve(): Promise<void> {
    const todo = [...this.pending];
    this.pending.clear();
    await Promise.all(
      todo.map(async ([key, c]) => {
        const user: UserInfo = c.serviceAccount ? { name: `system:serviceaccount:${c.serviceAccount.namespace}:${c.serviceAccount.name}`, groups: ['system:serviceaccounts', `system:serviceaccounts:${c.serviceAccount.namespace}`, 'system:authenticated'] } : this.user;
        try {
          const r = await this.authorizer.authorize(
            c.path !== undefined ? { user, verb: c.verb, resourceRequest: false, path: c.path } : { user, verb: c.verb, resourceRequest: true, apiGroup: c.group ?? '', apiVersion: '*', resource: c.resource ?? '', subresource: c.subresource ?? '', namespace: c.namespace ?? '', name: c.name ?? '' },
          );
          this.known.set(key, { decision: r.decision, reason: r.reason });
        } catch (e) {
          this.known.set(key, { decision: 'noOpinion', reason: '', error: (e as Error).message });
        }
      }),
    );
  }
}

/** Evaluates, then resolves the authorization checks the evaluation asked for and evaluates again, up to four rounds. */
export async function evaluateWithAuthorizer<T>(auth: RequestAuthorizer | undefined, evaluate: () => T): Promise<T> {
  let result = evaluate();
  for (let round = 0; round < 4 && auth?.hasPending; round++) {
    await auth.resolve();
    result = evaluate();
  }
  return result;
}
