// x-kubernetes-validations: CEL rules compiled once at CRD create (through compileCel, the one CEL
// entry point) and evaluated per value with Kubernetes' messages, reasons and field paths.

import { type CostBudget, compileCel, optionalCel } from '../cel/index.js';
import { fieldErr } from '../errors.js';
import type { FieldError } from '../kind.js';
import type { CompiledRule } from './node.js';

const OUT_OF_BUDGET = 'validation failed due to running out of cost budget, no further validation rules will be run';
const REASONS = ['FieldValueDuplicate', 'FieldValueForbidden', 'FieldValueInvalid', 'FieldValueRequired'];
const MAX_RULE_LENGTH = 64 * 1024;
const hasNewlines = (s: string) => /[\n\r]/.test(s);
/** oldSelf as an identifier, outside string literals (good enough to tell transition rules apart). */
const usesOldSelf = (rule: string) => /\boldSelf\b/.test(rule.replace(/'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"/g, ''));

/**
 * Compiles one schema's x-kubernetes-validations. `uncorrelatable` names the nearest enclosing
 * path where old and new values cannot be paired (items of non-map lists): oldSelf is refused there.
 */
export function compileRules(raw: unknown, path: string, uncorrelatable: string | undefined, errors: FieldError[]): CompiledRule[] {
  const p = `${path}.x-kubernetes-validations`;
  if (!Array.isArray(raw)) {
    errors.push(fieldErr.invalid(p, raw, 'must be a list of validation rules'));
    return [];
  }
  const out: CompiledRule[] = [];
  raw.forEach((r0, i) => {
    const rp = `${p}[${i}]`;
    if (typeof r0 !== 'object' || r0 === null || Array.isArray(r0)) {
      errors.push(fieldErr.invalid(rp, r0, 'must be an object'));
      return;
    }
    const r = r0 as Record<string, unknown>;
    const str = (k: string) => (typeof r[k] === 'string' ? (r[k] as string) : undefined);
    for (const k of ['rule', 'message', 'messageExpression', 'fieldPath', 'reason']) {
      if (r[k] !== undefined && typeof r[k] !== 'string') errors.push(fieldErr.typeInvalid(`${rp}.${k}`, r[k], 'must be a string'));
    }
    const rule = str('rule')?.trim() ?? '';
    const message = str('message');
    const messageExpression = str('messageExpression');
    const fieldPath = str('fieldPath');
    const reason = str('reason');
    const before = errors.length;
    if (!rule) errors.push(fieldErr.required(`${rp}.rule`, 'rule is not specified'));
    else if (rule.length > MAX_RULE_LENGTH) errors.push(fieldErr.tooLong(`${rp}.rule`, MAX_RULE_LENGTH));
    else if (message !== undefined && message.length > 0 && !message.trim()) errors.push(fieldErr.invalid(`${rp}.message`, message, 'message must be non-empty if specified'));
    else if (message && hasNewlines(message.trim())) errors.push(fieldErr.invalid(`${rp}.message`, message, 'message must not contain line breaks'));
    else if (hasNewlines(rule) && !message?.trim()) errors.push(fieldErr.required(`${rp}.message`, 'message must be specified if rule contains line breaks'));
    if (messageExpression !== undefined && messageExpression.length > 0 && !messageExpression.trim()) errors.push(fieldErr.required(`${rp}.messageExpression`, 'messageExpression must be non-empty if specified'));
    if (reason !== undefined && !REASONS.includes(reason)) errors.push(fieldErr.notSupported(`${rp}.reason`, reason, REASONS));
    if (fieldPath !== undefined && !fieldPath.trim()) errors.push(fieldErr.invalid(`${rp}.fieldPath`, fieldPath, 'fieldPath must be non-empty if specified'));
    else if (fieldPath !== undefined && (hasNewlines(fieldPath) || !/^(\.[A-Za-z_][A-Za-z0-9_-]*|\['(?:[^'\\]|\\.)*'\]|\[\d+\])+$/.test(fieldPath))) errors.push(fieldErr.invalid(`${rp}.fieldPath`, fieldPath, 'fieldPath must be a valid path'));
    if (r.optionalOldSelf !== undefined && typeof r.optionalOldSelf !== 'boolean') errors.push(fieldErr.typeInvalid(`${rp}.optionalOldSelf`, r.optionalOldSelf, 'must be a boolean'));
    if (errors.length > before) return;
    const old = usesOldSelf(rule);
    if (old && uncorrelatable !== undefined) {
      errors.push(fieldErr.invalid(`${rp}.rule`, rule, `oldSelf cannot be used on the uncorrelatable portion of the schema within ${uncorrelatable}`));
      return;
    }
    if (!old && r.optionalOldSelf !== undefined) {
      errors.push(fieldErr.invalid(`${rp}.optionalOldSelf`, r.optionalOldSelf, 'may not be set if oldSelf is not used in rule'));
      return;
    }
    const compiled = compileCel(rule, { variables: ['self', 'oldSelf'] });
    if ('error' in compiled) {
      errors.push(fieldErr.invalid(`${rp}.rule`, r0, `compilation failed: ${compiled.error}`));
      return;
    }
    let msgExpr: CompiledRule['messageExpression'];
    if (messageExpression?.trim()) {
      const m = compileCel(messageExpression, { variables: ['self', 'oldSelf'] });
      if ('error' in m) {
        errors.push(fieldErr.invalid(`${rp}.messageExpression`, r0, `messageExpression compilation failed: ${m.error}`));
        return;
      }
      msgExpr = m.program;
    }
    out.push({
      rule,
      program: compiled.program,
      ...(message?.trim() ? { message: message.trim() } : {}),
      ...(msgExpr ? { messageExpression: msgExpr } : {}),
      ...(reason ? { reason: reason as CompiledRule['reason'] } : {}),
      ...(fieldPath ? { fieldPath } : {}),
      usesOldSelf: old,
      optionalOldSelf: r.optionalOldSelf === true,
    });
  });
  return out;
}

/** Budget shared by every rule evaluated for one object (Kubernetes' per-call CEL cost budget). */
export interface RuleBudget {
  /** Evaluations left (a bound on top of CEL's own cost accounting). */
  remaining: number;
  exhausted: boolean;
  /** Kubernetes' RuntimeCELCostBudget, shared by every rule of one object. */
  cel: CostBudget;
}

/**
 * Evaluates a node's rules against `self` (and `oldSelf` on update). `typeName` is what the error
 * shows as the value, as Kubernetes does ("object", "string"...).
 */
export function evaluateRules(rules: CompiledRule[], self: unknown, oldSelf: unknown, hasOld: boolean, path: string, typeName: string, budget: RuleBudget, errors: FieldError[]) {
  for (const r of rules) {
    if (r.usesOldSelf && !hasOld && !r.optionalOldSelf) continue;
    if (budget.remaining <= 0 || budget.cel.exhausted) {
      if (!budget.exhausted) errors.push(fieldErr.invalid(path, typeName, OUT_OF_BUDGET));
      budget.exhausted = true;
      return;
    }
    budget.remaining--;
    // optionalOldSelf: oldSelf is an optional, none on create (and where no old value pairs up).
    const vars = { self, oldSelf: r.optionalOldSelf ? optionalCel(hasOld ? oldSelf : undefined) : hasOld ? oldSelf : null };
    const res = r.program.evaluate(vars, { budget: budget.cel });
    const at = r.fieldPath ? joinFieldPath(path, r.fieldPath) : path;
    if ('error' in res) {
      // A CEL implementation with cost limits marks runs it stopped (a rule too costly on this value).
      if (res.costExceeded && budget.cel.exhausted) {
        errors.push(fieldErr.invalid(path, typeName, OUT_OF_BUDGET));
        budget.exhausted = true;
        return;
      }
      if (res.costExceeded) errors.push(fieldErr.invalid(path, typeName, `call cost exceeds limit for rule: ${r.rule}`));
      else errors.push(fieldErr.invalid(at, typeName, `rule evaluation error: ${res.error}`));
      continue;
    }
    if (res.value === true) continue;
    if (res.value !== false) {
      errors.push(fieldErr.invalid(at, typeName, `rule evaluation error: validation rule did not evaluate to a bool: ${r.rule}`));
      continue;
    }
    let msg = r.message ?? `failed rule: ${r.rule}`;
    if (r.messageExpression && budget.remaining > 0) {
      budget.remaining--;
      const m = r.messageExpression.evaluate(vars, { budget: budget.cel });
      if ('value' in m && typeof m.value === 'string' && m.value.trim() && !/[\n\r]/.test(m.value)) msg = m.value.slice(0, 5120);
    }
    switch (r.reason) {
      case 'FieldValueForbidden':
        errors.push(fieldErr.forbidden(at, msg));
        break;
      case 'FieldValueRequired':
        errors.push(fieldErr.required(at, msg));
        break;
      case 'FieldValueDuplicate':
        errors.push({ field: at, reason: 'FieldValueDuplicate', message: `Duplicate value: ${JSON.stringify(msg)}` });
        break;
      default:
        errors.push(fieldErr.invalid(at, typeName, msg));
    }
  }
}

/** ".spec.x" or "['a.b']" appended to a field path as Kubernetes prints it. */
function joinFieldPath(path: string, rel: string): string {
  const parts = rel.match(/\.[A-Za-z_][A-Za-z0-9_-]*|\['(?:[^'\\]|\\.)*'\]|\[\d+\]/g) ?? [];
  let out = path;
  for (const p of parts) {
    if (p.startsWith('.')) out = out ? `${out}${p}` : p.slice(1);
    else if (p.startsWith("['")) out = `${out}[${p.slice(2, -2)}]`;
    else out = `${out}${p}`;
  }
  return out;
}
