// CEL as Kubernetes uses it (CRD x-kubernetes-validations, ValidatingAdmissionPolicy, webhook
// matchConditions), over @bufbuild/cel. Every caller goes through compileCel/evaluate so the
// Kubernetes environment (its library functions, JSON-to-CEL value mapping, cost limits) lives in
// one place.
//
// This first version only parses and plans; the Kubernetes library functions, integer mapping
// (JSON integers are CEL int, not double), type checking and cost limits are being added.

import { celEnv, isCelError, parse, plan } from '@bufbuild/cel';

export interface CelProgram {
  /** The expression as written. */
  readonly expression: string;
  /** Evaluates with the given variables (JSON values: self, oldSelf, object, request, params...). */
  evaluate(vars: Record<string, unknown>): CelOutcome;
}

export type CelOutcome = { value: unknown } | { error: string };

export interface CelCompileOptions {
  /** Names the expression may refer to (Kubernetes declares them per use: self/oldSelf, object/oldObject/request/params/namespaceObject/authorizer/variables). */
  variables: string[];
}

/** Compiles once; the program is reused for every evaluation. Never throws. */
export function compileCel(expression: string, _opts: CelCompileOptions): { program: CelProgram } | { error: string } {
  try {
    const run = plan(celEnv(), parse(expression));
    return {
      program: {
        expression,
        evaluate(vars) {
          try {
            const r = run(vars as never);
            return isCelError(r) ? { error: r.message } : { value: r };
          } catch (e) {
            return { error: (e as Error).message };
          }
        },
      },
    };
  } catch (e) {
    return { error: (e as Error).message };
  }
}
