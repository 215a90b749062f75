// A ValidatingAdmissionPolicy compiled once per resourceVersion: its matchConditions, variables,
// validations (with messageExpressions) and audit annotations as CEL programs. Expressions that do
// not compile (the kind's validation refuses them, but a stored object may predate a change) become
// errors at evaluation, where the failurePolicy decides, as in Kubernetes.

import type { CelProgram } from '../../../api/cel/index.js';
import type { KObject } from '../../../api/kind.js';
import { compileExpression, MATCH_CONDITION_VARIABLES } from '../../../api/kinds/admissionregistration/policy-expressions.js';
import type { MatchResourcesLike } from './matching.js';

export type Compiled = { program: CelProgram; expression: string } | { error: string; expression: string };

export interface CompiledValidation {
  expr: Compiled;
  message?: string;
  messageExpr?: Compiled;
  reason?: string;
}

export interface CompiledPolicy {
  name: string;
  failurePolicy: 'Fail' | 'Ignore';
  paramKind?: { apiVersion: string; kind: string };
  matchConstraints?: MatchResourcesLike;
  matchConditions: { name: string; expr: Compiled }[];
  variables: { name: string; expr: Compiled }[];
  validations: CompiledValidation[];
  auditAnnotations: { key: string; expr: Compiled }[];
}

function compile(expression: unknown, variables?: string[]): Compiled {
  const e = typeof expression === 'string' ? expression : '';
  const r = compileExpression('expression', e, variables);
  return r.program ? { program: r.program, expression: e } : { error: r.errors[0]?.message ?? 'compilation failed', expression: e };
}

type Obj = Record<string, unknown>;
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter((x): x is Obj => !!x && typeof x === 'object') : []);

export function compilePolicy(p: KObject): CompiledPolicy {
  const spec = (p.spec ?? {}) as Obj;
  const pk = spec.paramKind as Obj | undefined;
  return {
    name: p.metadata?.name ?? '',
    failurePolicy: spec.failurePolicy === 'Ignore' ? 'Ignore' : 'Fail',
    paramKind: pk && typeof pk.apiVersion === 'string' && typeof pk.kind === 'string' ? { apiVersion: pk.apiVersion, kind: pk.kind } : undefined,
    matchConstraints: spec.matchConstraints as MatchResourcesLike | undefined,
    matchConditions: list(spec.matchConditions).map((m) => ({ name: String(m.name ?? ''), expr: compile(m.expression, MATCH_CONDITION_VARIABLES) })),
    variables: list(spec.variables).map((v) => ({ name: String(v.name ?? ''), expr: compile(v.expression) })),
    validations: list(spec.validations).map((v) => ({
      expr: compile(v.expression),
      message: typeof v.message === 'string' && v.message ? v.message : undefined,
      messageExpr: typeof v.messageExpression === 'string' && v.messageExpression ? compile(v.messageExpression) : undefined,
      reason: typeof v.reason === 'string' ? v.reason : undefined,
    })),
    auditAnnotations: list(spec.auditAnnotations).map((a) => ({ key: String(a.key ?? ''), expr: compile(a.valueExpression) })),
  };
}
