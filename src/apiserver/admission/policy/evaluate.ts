// Evaluating one bound ValidatingAdmissionPolicy (with one parameter object) on one request, as
// Kubernetes' validator does: matchConditions (any false: not matched), variables in order,
// validations (false: a failure with the message, the messageExpression's result or "failed
// expression: ..."; an error: a failure only under failurePolicy Fail), then audit annotations.
// All expressions share one cost budget (Kubernetes' RuntimeCELCostBudget).

import { type CelOutcome, CostBudget, type CelReady, variablesValue } from '../../../api/cel/index.js';
import type { Compiled, CompiledPolicy } from './compiled-policy.js';

export interface PolicyVars {
  object: unknown;
  oldObject: unknown;
  request: unknown;
  params: unknown;
  namespaceObject: unknown;
  authorizer: unknown;
}

export interface Failure {
  message: string;
  /** Kubernetes' StatusReason: Invalid (default), Forbidden, Unauthorized, RequestEntityTooLarge. */
  reason: string;
  /** Index of the validation, for the audit annotation. */
  expressionIndex?: number;
}

export type PolicyResult = { matched: false } | { matched: true; failures: Failure[]; annotations: Record<string, string> };

function run(c: Compiled, vars: Record<string, unknown>, budget: CostBudget, raw = false): CelOutcome {
  if ('error' in c) return { error: c.error, cost: 0 };
  return c.program.evaluate(vars, { budget, raw });
}

export function evaluatePolicy(p: CompiledPolicy, input: PolicyVars): PolicyResult {
  const budget = new CostBudget();
  const failures: Failure[] = [];
  const fail = (f: Failure) => {
    if (p.failurePolicy === 'Fail') failures.push(f);
  };
  const base: Record<string, unknown> = { ...input };
  for (const mc of p.matchConditions) {
    const r = run(mc.expr, base, budget);
    if ('error' in r) {
      fail({ message: `failed to evaluate match condition '${mc.name}': ${r.error}`, reason: 'Invalid' });
      return { matched: true, failures, annotations: {} };
    }
    if (r.value === false) return { matched: false };
    if (r.value !== true) {
      fail({ message: `match condition '${mc.name}' must evaluate to bool`, reason: 'Invalid' });
      return { matched: true, failures, annotations: {} };
    }
  }
  // Variables in order, each seeing those before it. One that fails is left out, and an expression
  // that then misses it reports the variable's own error, as Kubernetes' lazy variables do.
  const vars = new Map<string, unknown>();
  const varErrors = new Map<string, string>();
  const withVars = (): Record<string, unknown> => ({ ...base, variables: variablesValue(vars) as CelReady });
  const explain = (r: CelOutcome): CelOutcome => {
    if (!('error' in r)) return r;
    const missing = /^no such key: (\w+)$/.exec(r.error)?.[1];
    const why = missing !== undefined ? varErrors.get(missing) : undefined;
    return why === undefined ? r : { ...r, error: `composited variable "${missing}" fails to evaluate: ${why}` };
  };
  for (const v of p.variables) {
    const r = explain(run(v.expr, withVars(), budget, true));
    if ('error' in r) varErrors.set(v.name, r.error);
    else vars.set(v.name, r.value);
  }
  const all = withVars();
  p.validations.forEach((v, i) => {
    const r = explain(run(v.expr, all, budget));
    if ('error' in r) {
      fail({ message: `expression '${v.expr.expression}' resulted in error: ${r.error}`, reason: 'Invalid', expressionIndex: i });
      return;
    }
    if (r.value === true) return;
    if (r.value !== false) {
      fail({ message: `expression '${v.expr.expression}' resulted in error: validation expression must evaluate to bool`, reason: 'Invalid', expressionIndex: i });
      return;
    }
    let message = v.message ?? `failed expression: ${v.expr.expression}`;
    if (v.messageExpr) {
      const m = run(v.messageExpr, all, budget);
      // An empty, non-string or failing messageExpression falls back to message, as in Kubernetes.
      if (!('error' in m) && typeof m.value === 'string' && m.value.trim() !== '' && !/[\r\n]/.test(m.value)) message = m.value.slice(0, 5120);
    }
    failures.push({ message, reason: v.reason ?? 'Invalid', expressionIndex: i });
  });
  const annotations: Record<string, string> = {};
  for (const a of p.auditAnnotations) {
    const r = run(a.expr, all, budget);
    if ('error' in r) fail({ message: `expression '${a.expr.expression}' resulted in error: ${r.error}`, reason: 'Invalid' });
    else if (typeof r.value === 'string') annotations[`${p.name}/${a.key}`] = r.value.slice(0, 10240);
    else if (r.value !== null) fail({ message: `valueExpression '${a.expr.expression}' resulted in unsupported return type: must evaluate to string or null`, reason: 'Invalid' });
  }
  return { matched: true, failures, annotations };
}
