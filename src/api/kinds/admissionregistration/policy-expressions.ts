// Compiling a ValidatingAdmissionPolicy's CEL expressions: the variables each may use, and the
// field errors Kubernetes reports for ones that do not compile. Shared by the kind's validation and
// the admission plugin (which compiles the same expressions once per policy generation).

import { type CelProgram, compileCel } from '../../cel/index.js';
import { fieldErr } from '../../errors.js';
import type { FieldError } from '../../kind.js';

/** What validations, messageExpressions, auditAnnotations and variables may use. */
export const POLICY_VARIABLES = ['object', 'oldObject', 'request', 'params', 'namespaceObject', 'authorizer', 'variables'];
/** matchConditions come before variables are computed. */
export const MATCH_CONDITION_VARIABLES = ['object', 'oldObject', 'request', 'params', 'namespaceObject', 'authorizer'];

export function compileExpression(path: string, expression: unknown, variables = POLICY_VARIABLES): { program?: CelProgram; errors: FieldError[] } {
  if (typeof expression !== 'string' || expression.trim() === '') return { errors: [fieldErr.required(path)] };
  const c = compileCel(expression, { variables });
  if ('error' in c) return { errors: [fieldErr.invalid(path, expression, `compilation failed: ${c.error}`)] };
  return { program: c.program, errors: [] };
}
