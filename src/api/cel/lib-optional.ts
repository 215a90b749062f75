// CEL optional types as Kubernetes' environment has them (cel-go's OptionalTypes library):
// `x.?f` and `m[?k]` give optional(value) or optional.none(), and once a chain of selections has an
// optional step every later `.f`/`[k]` of it is optional too (`a.?b.c` is none when b or c is
// absent); `[?e]` and `{?k: v}` include an element/entry only when the optional has a value;
// optional.of/none/ofNonZeroValue, hasValue(), value(), orValue(v), or(opt).
//
// @bufbuild/cel has no optional type, so lowerOptionals rewrites the parser's `_?._` / `_[?_]`
// calls, optional list elements and map entries into calls of this library's functions before the
// expression is planned. An optional is a one-entry CEL map (so == compares optionals by value) that
// a WeakSet marks as one.

import { type CelFunc, type CelValue, CelScalar, celFunc, celList, celMap, celMethod, isCelList, isCelMap, isCelUint } from '@bufbuild/cel';
import type { AstBuilder, Expr } from './parser/ast.js';

export const OPT_SELECT = 'gifee_optional_select';
export const OPT_INDEX = 'gifee_optional_index';
const OPT_LIST = 'gifee_optional_list';
const OPT_MAP = 'gifee_optional_map';

/** Functions that only look a value up (their cost does not grow with the value's size). */
export const OPTIONAL_CONSTANT_COST = [OPT_SELECT, OPT_INDEX, 'optional.of', 'optional.none', 'hasValue', 'value', 'orValue', 'or'];

const optionals = new WeakSet<object>();

function makeOptional(v: CelValue | undefined): CelValue {
  const m = celMap(new Map<string, CelValue>([['@optional', celList(v === undefined ? [] : [v])]]));
  optionals.add(m);
  return m;
}
const NONE = makeOptional(undefined);

/** A variable's value as an optional: none for undefined (optionalOldSelf on create), else of(v). */
export const optionalVariable = (v: CelValue | undefined): CelValue => (v === undefined ? NONE : makeOptional(v));

export const isOptional = (v: unknown): boolean => typeof v === 'object' && v !== null && optionals.has(v);

/** The optional's value, or undefined for none; throws for a non-optional. */
function unwrap(v: CelValue): CelValue | undefined {
  if (!isOptional(v)) throw new Error('no such overload: expected an optional');
  const l = (v as unknown as { get(k: string): CelValue }).get('@optional');
  return isCelList(l) && l.size > 0 ? l.get(0) : undefined;
}

function isZero(v: CelValue): boolean {
  if (v === null || v === false || v === '' || v === 0 || v === 0n) return true;
  if (isCelUint(v)) return v.value === 0n;
  if (v instanceof Uint8Array || isCelList(v) || isCelMap(v)) return (v as { size?: number; length?: number }).size === 0 || (v as Uint8Array).length === 0;
  return false;
}

/** Looks key up in a map or list (an optional one is unwrapped first): the value, or undefined. */
function lookup(target: CelValue, key: CelValue): CelValue | undefined {
  let t: CelValue | undefined = target;
  if (isOptional(t)) {
    t = unwrap(t);
    if (t === undefined) return undefined;
  }
  if (isCelMap(t)) {
    if (typeof key === 'number' && !Number.isInteger(key)) return undefined;
    return t.get(key as never);
  }
  if (isCelList(t)) {
    const i = typeof key === 'bigint' ? key : isCelUint(key) ? key.value : typeof key === 'number' && Number.isInteger(key) ? BigInt(key) : undefined;
    if (i === undefined) throw new Error('no such overload');
    return i >= 0n && i < BigInt(t.size) ? t.get(Number(i)) : undefined;
  }
  throw new Error(`no such overload: optional selection on ${t === null ? 'null' : typeof t}`);
}

const DYN = CelScalar.DYN;
const { BOOL, STRING } = CelScalar;

export const optionalFuncs: CelFunc[] = [
  celFunc('optional.of', [DYN], DYN, (v: CelValue) => makeOptional(v) as never),
  celFunc('optional.none', [], DYN, () => NONE as never),
  celFunc('optional.ofNonZeroValue', [DYN], DYN, (v: CelValue) => (isZero(v) ? NONE : makeOptional(v)) as never),
  celMethod('hasValue', DYN, [], BOOL, function (this: CelValue) {
    return unwrap(this) !== undefined;
  }),
  celMethod('value', DYN, [], DYN, function (this: CelValue) {
    const v = unwrap(this);
    if (v === undefined) throw new Error('optional.none() dereference');
    return v as never;
  }),
  celMethod('orValue', DYN, [DYN], DYN, function (this: CelValue, alt: CelValue) {
    return (unwrap(this) ?? alt) as never;
  }),
  celMethod('or', DYN, [DYN], DYN, function (this: CelValue, alt: CelValue) {
    if (unwrap(this) !== undefined) return this as never;
    unwrap(alt);
    return alt as never;
  }),
  celFunc(OPT_SELECT, [DYN, STRING], DYN, (t: CelValue, f: string) => {
    const v = lookup(t, f);
    return (v === undefined ? NONE : makeOptional(v)) as never;
  }),
  celFunc(OPT_INDEX, [DYN, DYN], DYN, (t: CelValue, k: CelValue) => {
    const v = lookup(t, k);
    return (v === undefined ? NONE : makeOptional(v)) as never;
  }),
  celFunc(OPT_LIST, [DYN, DYN], DYN, (elements: CelValue, optionalIndices: CelValue) => {
    if (!isCelList(elements) || !isCelList(optionalIndices)) throw new Error('no such overload');
    const opt = new Set(Array.from(optionalIndices, Number));
    const out: CelValue[] = [];
    let i = 0;
    for (const e of elements) {
      if (!opt.has(i++)) out.push(e);
      else {
        const v = unwrap(e);
        if (v !== undefined) out.push(v);
      }
    }
    return celList(out) as never;
  }),
  celFunc(OPT_MAP, [DYN, DYN, DYN], DYN, (keys: CelValue, values: CelValue, flags: CelValue) => {
    if (!isCelList(keys) || !isCelList(values) || !isCelList(flags)) throw new Error('no such overload');
    const out = new Map<string | bigint | boolean, CelValue>();
    for (let i = 0; i < keys.size; i++) {
      let k = keys.get(i) as CelValue;
      if (isCelUint(k)) k = k.value;
      if (typeof k !== 'string' && typeof k !== 'bigint' && typeof k !== 'boolean') throw new Error('unsupported key type');
      let v = values.get(i) as CelValue | undefined;
      if (flags.get(i) === true) {
        v = unwrap(v as CelValue);
        if (v === undefined) continue;
      }
      if (out.has(k)) throw new Error(`Failed with repeated key: ${String(k)}`);
      out.set(k, v as CelValue);
    }
    return celMap(out) as never;
  }),
];

type Kind = Expr['exprKind'];

/**
 * Rewrites optional syntax (as parser/parser.ts writes it) into calls of this library, in place.
 * Bounded by the parser's limits (recursion depth and expression length).
 */
export function lowerOptionals(e: Expr, b: AstBuilder): void {
  const k = e.exprKind;
  const isOptionalStep = (x: Expr | undefined) => x?.exprKind.case === 'callExpr' && (x.exprKind.value.function === OPT_SELECT || x.exprKind.value.function === OPT_INDEX);
  const setCall = (fn: string, args: Expr[]) => {
    e.exprKind = { case: 'callExpr', value: { $typeName: 'cel.expr.Expr.Call', function: fn, args } } as Kind;
  };
  switch (k.case) {
    case 'selectExpr': {
      const operand = k.value.operand as Expr;
      lowerOptionals(operand, b);
      if (!k.value.testOnly && isOptionalStep(operand)) setCall(OPT_SELECT, [operand, b.constant(0, { case: 'stringValue', value: k.value.field })]);
      return;
    }
    case 'callExpr': {
      const c = k.value;
      if (c.target) lowerOptionals(c.target, b);
      for (const a of c.args) lowerOptionals(a, b);
      if (c.function === '_?._') c.function = OPT_SELECT;
      else if (c.function === '_[?_]') c.function = OPT_INDEX;
      else if (c.function === '_[_]' && isOptionalStep(c.args[0])) c.function = OPT_INDEX;
      return;
    }
    case 'listExpr': {
      for (const x of k.value.elements) lowerOptionals(x, b);
      if (k.value.optionalIndices.length === 0) return;
      const elements = b.list(0, k.value.elements);
      setCall(OPT_LIST, [
        elements,
        b.list(
          0,
          k.value.optionalIndices.map((i) => b.constant(0, { case: 'int64Value', value: BigInt(i) })),
        ),
      ]);
      return;
    }
    case 'structExpr': {
      for (const en of k.value.entries) {
        if (en.keyKind.case === 'mapKey') lowerOptionals(en.keyKind.value, b);
        if (en.value) lowerOptionals(en.value, b);
      }
      if (k.value.messageName !== '' || !k.value.entries.some((en) => en.optionalEntry)) return;
      const keys = k.value.entries.map((en) => (en.keyKind.case === 'mapKey' ? en.keyKind.value : b.constant(0, { case: 'nullValue', value: 0 } as never)));
      const values = k.value.entries.map((en) => en.value as Expr);
      const flags = k.value.entries.map((en) => b.constant(0, { case: 'boolValue', value: en.optionalEntry }));
      setCall(OPT_MAP, [b.list(0, keys), b.list(0, values), b.list(0, flags)]);
      return;
    }
    case 'comprehensionExpr': {
      const c = k.value;
      for (const x of [c.iterRange, c.accuInit, c.loopCondition, c.loopStep, c.result]) if (x) lowerOptionals(x, b);
      return;
    }
    default:
      return;
  }
}
