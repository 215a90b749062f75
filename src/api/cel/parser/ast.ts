// Builds the cel.expr AST (the protobuf-shaped objects @bufbuild/cel's planner consumes), with ids
// and source offsets, and expands CEL's macros (has, all, exists, exists_one, map, filter) into
// comprehensions of the same shape cel-go and @bufbuild/cel produce.

import type { parse } from '@bufbuild/cel';

export type ParsedExpr = ReturnType<typeof parse>;
export type Expr = ParsedExpr['expr'];
type Kind = Expr['exprKind'];
type Entry = Extract<Kind, { case: 'structExpr' }>['value']['entries'][number];
type ConstantKind = Extract<Kind, { case: 'constExpr' }>['value']['constantKind'];

/** The accumulator of macro comprehensions (as @bufbuild/cel names it). */
export const ACCU_VAR = '@result';

export class AstBuilder {
  private id = 0n;
  readonly positions: Record<string, number> = {};

  expr(offset: number, exprKind: Kind): Expr {
    this.id++;
    this.positions[this.id.toString()] = offset;
    return { $typeName: 'cel.expr.Expr', id: this.id, exprKind } as Expr;
  }

  constant(offset: number, constantKind: ConstantKind): Expr {
    return this.expr(offset, { case: 'constExpr', value: { $typeName: 'cel.expr.Constant', constantKind } } as Kind);
  }

  ident(offset: number, name: string): Expr {
    return this.expr(offset, { case: 'identExpr', value: { $typeName: 'cel.expr.Expr.Ident', name } } as Kind);
  }

  select(offset: number, operand: Expr, field: string, testOnly = false): Expr {
    return this.expr(offset, { case: 'selectExpr', value: { $typeName: 'cel.expr.Expr.Select', operand, field, testOnly } } as Kind);
  }

  call(offset: number, fn: string, args: Expr[], target?: Expr): Expr {
    const value: Record<string, unknown> = { $typeName: 'cel.expr.Expr.Call', function: fn, args };
    if (target) value.target = target;
    return this.expr(offset, { case: 'callExpr', value } as Kind);
  }

  list(offset: number, elements: Expr[], optionalIndices: number[] = []): Expr {
    return this.expr(offset, { case: 'listExpr', value: { $typeName: 'cel.expr.Expr.CreateList', elements, optionalIndices } } as Kind);
  }

  entry(offset: number, key: { case: 'mapKey'; value: Expr } | { case: 'fieldKey'; value: string }, value: Expr, optionalEntry: boolean): Entry {
    this.id++;
    this.positions[this.id.toString()] = offset;
    return { $typeName: 'cel.expr.Expr.CreateStruct.Entry', id: this.id, keyKind: key, value, optionalEntry } as Entry;
  }

  struct(offset: number, entries: Entry[], messageName = ''): Expr {
    return this.expr(offset, { case: 'structExpr', value: { $typeName: 'cel.expr.Expr.CreateStruct', entries, messageName } } as Kind);
  }

  /** `a && b && c …` as a balanced tree, so long chains stay shallow (as cel-go balances them). */
  balanced(fn: string, terms: Expr[], offsets: number[]): Expr {
    if (terms.length === 1) return terms[0];
    // Over operator indices: operator i joins terms i and i+1.
    const build = (lo: number, hi: number): Expr => {
      const mid = Math.floor((lo + hi + 1) / 2);
      const left = mid === lo ? terms[mid] : build(lo, mid - 1);
      const right = mid === hi ? terms[mid + 1] : build(mid + 1, hi);
      return this.call(offsets[mid], fn, [left, right]);
    };
    return build(0, offsets.length - 1);
  }

  private comprehension(offset: number, iterRange: Expr, iterVar: string, accuInit: Expr, loopCondition: Expr, loopStep: Expr, result: Expr): Expr {
    return this.expr(offset, {
      case: 'comprehensionExpr',
      value: { $typeName: 'cel.expr.Expr.Comprehension', iterVar, iterVar2: '', iterRange, accuVar: ACCU_VAR, accuInit, loopCondition, loopStep, result },
    } as Kind);
  }

  private accu = (o: number) => this.ident(o, ACCU_VAR);
  private bool = (o: number, v: boolean) => this.constant(o, { case: 'boolValue', value: v });
  private int = (o: number, v: bigint) => this.constant(o, { case: 'int64Value', value: v });

  /** The receiver-style macros; undefined when fn is not one of them with this many arguments. */
  expandMacro(o: number, fn: string, target: Expr, v: string, args: Expr[]): Expr | undefined {
    const a = this.accu;
    if (args.length === 1) {
      const body = args[0];
      switch (fn) {
        case 'all':
          return this.comprehension(o, target, v, this.bool(o, true), this.call(o, '@not_strictly_false', [a(o)]), this.call(o, '_&&_', [a(o), body]), a(o));
        case 'exists':
          return this.comprehension(o, target, v, this.bool(o, false), this.call(o, '@not_strictly_false', [this.call(o, '!_', [a(o)])]), this.call(o, '_||_', [a(o), body]), a(o));
        case 'exists_one':
        case 'existsOne':
          return this.comprehension(o, target, v, this.int(o, 0n), this.bool(o, true), this.call(o, '_?_:_', [body, this.call(o, '_+_', [a(o), this.int(o, 1n)]), a(o)]), this.call(o, '_==_', [a(o), this.int(o, 1n)]));
        case 'map':
          return this.comprehension(o, target, v, this.list(o, []), this.bool(o, true), this.call(o, '_+_', [a(o), this.list(o, [body])]), a(o));
        case 'filter':
          return this.comprehension(o, target, v, this.list(o, []), this.bool(o, true), this.call(o, '_?_:_', [body, this.call(o, '_+_', [a(o), this.list(o, [this.ident(o, v)])]), a(o)]), a(o));
      }
    }
    if (args.length === 2 && fn === 'map') {
      return this.comprehension(o, target, v, this.list(o, []), this.bool(o, true), this.call(o, '_?_:_', [args[0], this.call(o, '_+_', [a(o), this.list(o, [args[1]])]), a(o)]), a(o));
    }
    return undefined;
  }

  parsed(expr: Expr): ParsedExpr {
    return {
      $typeName: 'cel.expr.ParsedExpr',
      expr,
      sourceInfo: { $typeName: 'cel.expr.SourceInfo', syntaxVersion: '', location: '', lineOffsets: [], positions: this.positions, macroCalls: {}, extensions: [] },
    } as unknown as ParsedExpr;
  }
}

/** Macro names applied to a receiver, with their argument counts after the variable. */
export const RECEIVER_MACROS: Record<string, number[]> = { all: [1], exists: [1], exists_one: [1], existsOne: [1], map: [1, 2], filter: [1] };
