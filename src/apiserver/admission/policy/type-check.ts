// Static type checking of a ValidatingAdmissionPolicy's expressions, for status.typeChecking, as
// Kubernetes' type checker reports it: each expression is checked against the OpenAPI schema of
// every kind the policy's matchConstraints name (no wildcards, at most 10 kinds), and references to
// fields the schema does not have become expressionWarnings:
//
//   apps/v1, Kind=Deployment: ERROR: <input>:1:7: undefined field 'replicas'
//    | object.replicas > 1
//    | ......^
//
// Only field references are checked (selections, has(), optional selections, through list items,
// map values and macro variables), which is what users meet; other type errors (overloads) show at
// evaluation as before. Like Kubernetes', the check changes nothing about admission.

import type { Expr } from '../../../api/cel/parser/ast.js';
import { parseCel } from '../../../api/cel/parser/parser.js';
import { apiVersionOf, type KindDef, type KObject } from '../../../api/kind.js';
import type { KindRegistry } from '../../../api/registry.js';
import { resolve, type Schema } from '../../../api/schema.js';

export interface ExpressionWarning {
  fieldRef: string;
  warning: string;
}

/** Kubernetes' limit on kinds checked per policy. */
const MAX_TYPES = 10;

/** The kinds a policy's resourceRules name exactly (rules with a wildcard or a subresource are skipped). */
export function matchedKinds(policy: KObject, registry: KindRegistry): KindDef[] {
  const spec = (policy.spec ?? {}) as { matchConstraints?: { resourceRules?: unknown } };
  const rules = Array.isArray(spec.matchConstraints?.resourceRules) ? (spec.matchConstraints.resourceRules as Record<string, unknown>[]) : [];
  const out: KindDef[] = [];
  const strs = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  for (const r of rules) {
    const groups = strs(r?.apiGroups);
    const versions = strs(r?.apiVersions);
    const resources = strs(r?.resources);
    if ([...groups, ...versions, ...resources].some((x) => x.includes('*'))) continue;
    for (const g of groups)
      for (const v of versions)
        for (const res of resources) {
          if (res.includes('/')) continue;
          const d = registry.byResource(g, v, res);
          if (d && !out.includes(d) && out.length < MAX_TYPES) out.push(d);
        }
  }
  return out;
}

/** Every expression of the policy with its field path. */
function expressions(policy: KObject): [string, string][] {
  const spec = (policy.spec ?? {}) as Record<string, unknown>;
  const out: [string, string][] = [];
  const each = (list: string, fields: string[]) => {
    const items = spec[list];
    if (!Array.isArray(items)) return;
    items.forEach((it, i) => {
      for (const f of fields) {
        const e = (it as Record<string, unknown> | null)?.[f];
        if (typeof e === 'string' && e !== '') out.push([`spec.${list}[${i}].${f}`, e]);
      }
    });
  };
  each('matchConditions', ['expression']);
  each('variables', ['expression']);
  each('validations', ['expression', 'messageExpression']);
  each('auditAnnotations', ['valueExpression']);
  return out;
}

/** status.typeChecking.expressionWarnings for a policy (empty when nothing is wrong or nothing is checkable). */
export function typeCheckPolicy(policy: KObject, registry: KindRegistry): ExpressionWarning[] {
  const kinds = matchedKinds(policy, registry);
  if (kinds.length === 0) return [];
  const warnings: ExpressionWarning[] = [];
  for (const [fieldRef, expr] of expressions(policy)) {
    const lines: string[] = [];
    for (const d of kinds) {
      const errs = checkFieldReferences(expr, d.schema);
      if (errs.length) lines.push(`${apiVersionOf(d)}, Kind=${d.kind}: ${errs.join('\n')}`);
    }
    if (lines.length) warnings.push({ fieldRef, warning: lines.join('\n') });
  }
  return warnings;
}

type T = Schema | undefined; // undefined: dyn (not checked further)

/**
 * cel-go's errors ("ERROR: <input>:L:C: undefined field 'f'" with the source line and a caret) for
 * each reference to a field `root` (the type of `object` and `oldObject`) does not have. An
 * expression that does not parse gives none: the policy's validation reports it.
 */
export function checkFieldReferences(expr: string, root: Schema): string[] {
  let parsed: ReturnType<typeof parseCel>['parsed'];
  try {
    parsed = parseCel(expr).parsed;
  } catch {
    return [];
  }
  const positions = (parsed.sourceInfo?.positions ?? {}) as Record<string, number>;
  const errors: string[] = [];
  const undefinedField = (e: Expr, field: string) => errors.push(`${location(expr, positions[e.id.toString()] ?? 0)}: undefined field '${field}'${snippet(expr, positions[e.id.toString()] ?? 0)}`);

  const field = (e: Expr, t: T, name: string): T => {
    if (!t) return undefined;
    if (t.type === 'map') return resolve(t.values);
    if (t.type !== 'object') return undefined;
    // Kubernetes escapes property names that are CEL keywords (__namespace__): accept either form.
    const key = /^__.+__$/.test(name) && !Object.hasOwn(t.properties, name) ? name.slice(2, -2) : name;
    if (Object.hasOwn(t.properties, key)) return resolve(t.properties[key]);
    if (!t.preserveUnknownFields) undefinedField(e, name);
    return undefined;
  };
  const element = (t: T): T => (t?.type === 'array' ? resolve(t.items) : t?.type === 'map' ? resolve(t.values) : undefined);

  const walk = (e: Expr | undefined, scope: ReadonlyMap<string, T>): T => {
    if (!e) return undefined;
    const k = e.exprKind;
    switch (k.case) {
      case 'identExpr':
        if (scope.has(k.value.name)) return scope.get(k.value.name);
        return k.value.name === 'object' || k.value.name === 'oldObject' ? root : undefined;
      case 'selectExpr':
        return field(e, walk(k.value.operand, scope), k.value.field);
      case 'callExpr': {
        const c = k.value;
        walk(c.target, scope);
        const args = c.args.map((a) => walk(a, scope));
        const key = c.args[1]?.exprKind.case === 'constExpr' ? c.args[1].exprKind.value.constantKind : undefined;
        if (c.function === '_?._' && key?.case === 'stringValue') return field(e, args[0], key.value);
        if (c.function === '_[_]' || c.function === '_[?_]') return element(args[0]);
        return undefined;
      }
      case 'listExpr':
        for (const x of k.value.elements) walk(x, scope);
        return undefined;
      case 'structExpr':
        for (const en of k.value.entries) {
          if (en.keyKind.case === 'mapKey') walk(en.keyKind.value, scope);
          walk(en.value, scope);
        }
        return undefined;
      case 'comprehensionExpr': {
        const c = k.value;
        const range = walk(c.iterRange, scope);
        const inner = new Map(scope);
        inner.set(c.iterVar, range?.type === 'array' ? resolve(range.items) : undefined);
        inner.set(c.accuVar, undefined);
        walk(c.accuInit, scope);
        walk(c.loopCondition, inner);
        walk(c.loopStep, inner);
        const after = new Map(scope);
        after.set(c.accuVar, undefined);
        walk(c.result, after);
        return undefined;
      }
      default:
        return undefined;
    }
  };
  walk(parsed.expr, new Map());
  return errors;
}

function location(src: string, offset: number): string {
  const before = src.slice(0, offset);
  return `ERROR: <input>:${before.split('\n').length}:${offset - (before.lastIndexOf('\n') + 1) + 1}`;
}

/** cel-go's excerpt: the source line, then dots up to the caret under the error's column. */
function snippet(src: string, offset: number): string {
  const start = src.lastIndexOf('\n', offset - 1) + 1;
  const end = src.indexOf('\n', offset);
  const line = src.slice(start, end < 0 ? undefined : end);
  return `\n | ${line}\n | ${'.'.repeat(offset - start)}^`;
}
