// Compile-time work on a parsed expression, before it is planned:
//  - unknown variables and functions are compile errors (Kubernetes type-checks; @bufbuild/cel's
//    planner would only fail at run time), reported like cel-go: "undeclared reference to 'x'";
//  - each comprehension's loop condition is wrapped in a call to STEP_FUNCTION, so every loop
//    iteration is charged to the cost meter (see cost.ts) and a hostile loop stops at the limit;
//  - expressions are bounded in size and nesting (Kubernetes limits the expression's length too).

import type { parse } from '@bufbuild/cel';

type Expr = ReturnType<typeof parse>['expr'];

/** The function the compiler wraps each loop condition in (charges 1 and returns its argument). */
export const STEP_FUNCTION = 'gifee_cost_step';

/** Operators the planner evaluates itself (never looked up among the functions). */
const PLANNER_OPERATORS = new Set(['_[_]', '_[?_]', '_?._', '_?_:_', '_&&_', '_||_', '@not_strictly_false', '__not_strictly_false__']);

/** Type names that are identifiers in CEL (`type(x) == int`). */
const TYPE_IDENTS = new Set(['int', 'uint', 'double', 'bool', 'string', 'bytes', 'list', 'map', 'null_type', 'type', 'dyn']);

const MAX_NODES = 10_000;
const MAX_DEPTH = 250;

export interface GuardContext {
  variables: ReadonlySet<string>;
  hasFunction(name: string): boolean;
  /** A parsed `gifee_cost_step(true)`: its shape is copied to wrap loop conditions. */
  stepTemplate: () => Expr;
}

/** Checks and rewrites expr in place; returns the first problem found, if any. */
export function guardExpression(expr: Expr, g: GuardContext): string | undefined {
  let nodes = 0;
  const walk = (e: Expr | undefined, scope: ReadonlySet<string>, depth: number): string | undefined => {
    if (!e) return undefined;
    if (++nodes > MAX_NODES) return 'expression too large';
    if (depth > MAX_DEPTH) return 'expression nested too deeply';
    const k = e.exprKind;
    switch (k.case) {
      case 'identExpr':
        return scope.has(k.value.name) || g.variables.has(k.value.name) || TYPE_IDENTS.has(k.value.name) ? undefined : `undeclared reference to '${k.value.name}'`;
      case 'selectExpr':
        return walk(k.value.operand, scope, depth + 1);
      case 'callExpr': {
        const c = k.value;
        const qual = c.target && qualifiedName(c.target);
        if (qual !== undefined && !scope.has(qual.split('.')[0]) && !g.variables.has(qual.split('.')[0]) && g.hasFunction(`${qual}.${c.function}`)) {
          for (const a of c.args) {
            const p = walk(a, scope, depth + 1);
            if (p) return p;
          }
          return undefined;
        }
        if (!PLANNER_OPERATORS.has(c.function) && !g.hasFunction(c.function)) return `undeclared reference to '${c.function}'`;
        for (const a of c.target ? [c.target, ...c.args] : c.args) {
          const p = walk(a, scope, depth + 1);
          if (p) return p;
        }
        return undefined;
      }
      case 'listExpr':
        for (const a of k.value.elements) {
          const p = walk(a, scope, depth + 1);
          if (p) return p;
        }
        return undefined;
      case 'structExpr':
        if (k.value.messageName !== '') return `unknown type: ${k.value.messageName}`;
        for (const en of k.value.entries) {
          const p = (en.keyKind.case === 'mapKey' ? walk(en.keyKind.value, scope, depth + 1) : undefined) ?? walk(en.value, scope, depth + 1);
          if (p) return p;
        }
        return undefined;
      case 'comprehensionExpr': {
        const c = k.value;
        const inner = new Set([...scope, c.iterVar, c.accuVar]);
        const p = walk(c.iterRange, scope, depth + 1) ?? walk(c.accuInit, scope, depth + 1) ?? walk(c.loopCondition, inner, depth + 1) ?? walk(c.loopStep, inner, depth + 1) ?? walk(c.result, new Set([...scope, c.accuVar]), depth + 1);
        if (p) return p;
        const step = g.stepTemplate();
        if (step.exprKind.case === 'callExpr' && c.loopCondition) {
          step.exprKind.value.args = [c.loopCondition];
          c.loopCondition = step;
        }
        return undefined;
      }
      default:
        return undefined;
    }
  };
  return walk(expr, new Set(), 0);
}

/** `a.b.c` for an identifier or a chain of field selections on one, else undefined. */
function qualifiedName(e: Expr): string | undefined {
  if (e.exprKind.case === 'identExpr') return e.exprKind.value.name;
  if (e.exprKind.case === 'selectExpr' && !e.exprKind.value.testOnly && e.exprKind.value.operand) {
    const q = qualifiedName(e.exprKind.value.operand);
    return q === undefined ? undefined : `${q}.${e.exprKind.value.field}`;
  }
  return undefined;
}
