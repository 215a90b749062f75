// CEL as Kubernetes uses it (CRD x-kubernetes-validations, ValidatingAdmissionPolicy, webhook
// matchConditions), over @bufbuild/cel. Every caller goes through compileCel/evaluate so the
// Kubernetes environment lives in one place:
//  - env.ts: the standard library, the strings extension and Kubernetes' libraries (lists, regex,
//    url, quantity, ip/cidr, authz, optional types); not yet: format, and static type checking
//    (types are checked at run time);
//  - parser/: our own CEL parser, because @bufbuild/cel's refuses the optional syntax (`x.?y`);
//    lib-optional.ts lowers that syntax into calls its library evaluates;
//  - values.ts: JSON -> CEL as Kubernetes maps it (integers are int, objects maps, null null);
//  - guard.ts: unknown variables/functions are compile errors; loops are metered;
//  - cost.ts: a per-expression limit (Kubernetes' PerCallLimit) and an optional shared budget
//    (RuntimeCELCostBudget), so a hostile expression over a big list stops instead of stalling.

import { isCelError, plan } from '@bufbuild/cel';
import { type CostBudget, CostExceeded, CostMeter, PER_CALL_LIMIT, withMeter } from './cost.js';
import { hasFunction, kubernetesCelEnv } from './env.js';
import { guardExpression, STEP_FUNCTION } from './guard.js';
import { lowerOptionals, optionalVariable } from './lib-optional.js';
import { CelSyntaxError, formatSyntaxError, parseCel } from './parser/parser.js';
import { CelReady, celToJson, jsonToCel } from './values.js';

export { CostBudget, PER_CALL_LIMIT, RUNTIME_COST_BUDGET } from './cost.js';
export { type AuthzCheck, type AuthzDecision, AuthzPending, authorizerValue, type CelAuthorizer } from './lib-authz.js';
export { CelReady, type CelTypeHint, prepareCel, variablesValue } from './values.js';

/** An optional variable (Kubernetes' optionalOldSelf): optional.none() for undefined, else optional.of(value). */
export function optionalCel(json: unknown): CelReady {
  return new CelReady(optionalVariable(json === undefined ? undefined : jsonToCel(json)));
}

export interface CelProgram {
  /** The expression as written. */
  readonly expression: string;
  /** Evaluates with the given variables (JSON values, or CelReady ones from prepareCel). */
  evaluate(vars: Record<string, unknown>, opts?: CelEvalOptions): CelOutcome;
}

/** value is JSON (ints as numbers). cost: what the evaluation cost. costExceeded: stopped by a limit. */
export type CelOutcome = { value: unknown; cost: number } | { error: string; cost: number; costExceeded?: boolean };

export interface CelEvalOptions {
  /** Shared by several expressions (one policy's, one object's): stops them all once spent. */
  budget?: CostBudget;
  /** Per-expression limit (default PER_CALL_LIMIT). */
  limit?: number;
  /** Return the raw CEL value instead of JSON (for callers that feed it to another expression). */
  raw?: boolean;
}

export interface CelCompileOptions {
  /** Names the expression may refer to (Kubernetes declares them per use: self/oldSelf, object/oldObject/request/params/namespaceObject/authorizer/variables). */
  variables: string[];
}

/** Kubernetes refuses longer expressions (its validation of x-kubernetes-validations and policies). */
export const MAX_EXPRESSION_LENGTH = 5 * 1024;

/** cel-go's wording for the errors users see most. */
const kubernetesWording = (m: string) => m.replace(/^field not found: /, 'no such key: ');

/** Compiles once; the program is reused for every evaluation. Never throws. */
export function compileCel(expression: string, opts: CelCompileOptions): { program: CelProgram } | { error: string } {
  try {
    if (typeof expression !== 'string') return { error: 'expression must be a string' };
    if (expression.length > MAX_EXPRESSION_LENGTH) return { error: `expression too long (${expression.length} > ${MAX_EXPRESSION_LENGTH} characters)` };
    const { parsed, builder } = parseCel(expression);
    lowerOptionals(parsed.expr, builder);
    const problem = guardExpression(parsed.expr, {
      variables: new Set(opts.variables),
      hasFunction,
      stepTemplate: () => builder.call(0, STEP_FUNCTION, [builder.constant(0, { case: 'boolValue', value: true })]),
    });
    if (problem) return { error: `ERROR: <input>:1:1: ${problem}` };
    const run = plan(kubernetesCelEnv, parsed);
    const declared = opts.variables;
    return {
      program: {
        expression,
        evaluate(vars, eo) {
          const meter = new CostMeter(eo?.limit ?? PER_CALL_LIMIT, eo?.budget);
          if (eo?.budget?.exhausted) return { error: new CostExceeded('budget').message, cost: 0, costExceeded: true };
          try {
            const activation: Record<string, unknown> = {};
            for (const name of declared) if (name in vars) activation[name] = jsonToCel(vars[name]);
            const r = withMeter(meter, () => run(activation as never));
            if (meter.exceeded) return { error: meter.exceeded.message, cost: meter.cost, costExceeded: true };
            if (isCelError(r)) return { error: kubernetesWording(r.message), cost: meter.cost };
            return { value: eo?.raw ? r : celToJson(r), cost: meter.cost };
          } catch (e) {
            if (meter.exceeded) return { error: meter.exceeded.message, cost: meter.cost, costExceeded: true };
            return { error: (e as Error).message, cost: meter.cost };
          }
        },
      },
    };
  } catch (e) {
    // Parse errors, worded as cel-go's "ERROR: <input>:line:col: ...".
    if (e instanceof CelSyntaxError) return { error: formatSyntaxError(expression, e) };
    return { error: (e as Error).message };
  }
}
