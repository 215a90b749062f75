// A recursive-descent parser for CEL (cel-spec langdef.md) with the optional syntax Kubernetes'
// environment enables (cel-go's OptionalTypes): `x.?f`, `m[?k]`, `[?e]`, `{?k: v}`, `T{?f: v}`.
// @bufbuild/cel's parser refuses those, so every expression is parsed here; the AST has the shape
// @bufbuild/cel's planner consumes (optional selections are `_?._` / `_[?_]` calls, as cel-go writes
// them; lib-optional.ts lowers them before planning).
//
// Hostile input is bounded: nesting beyond MAX_RECURSION is an error (cel-go's default limit), and
// every loop consumes a token, so work is linear in the expression's length (itself bounded by the
// callers).

import { AstBuilder, type Expr, type ParsedExpr, RECEIVER_MACROS } from './ast.js';
import { CelSyntaxError, type Token, tokenize } from './lexer.js';

export { CelSyntaxError } from './lexer.js';

/** cel-go's default parser recursion limit. */
export const MAX_RECURSION = 250;

const RESERVED = new Set(['as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if', 'import', 'let', 'loop', 'package', 'namespace', 'return', 'var', 'void', 'while', 'in']);
const RELOPS = new Set(['<', '<=', '>=', '>', '==', '!=', 'in']);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/** Parses expression text; throws CelSyntaxError (with the offending offset) on bad input. The
 * builder that made the AST is returned for later rewrites that add nodes (fresh ids). */
export function parseCel(src: string): { parsed: ParsedExpr; builder: AstBuilder } {
  const p = new Parser(tokenize(src));
  const e = p.expr();
  p.expectEnd();
  return { parsed: p.b.parsed(e), builder: p.b };
}

/** "ERROR: <input>:line:col: message", as cel-go reports (column 1-based). */
export function formatSyntaxError(src: string, e: CelSyntaxError): string {
  const before = src.slice(0, e.offset);
  const line = before.split('\n').length;
  const col = e.offset - (before.lastIndexOf('\n') + 1) + 1;
  return `ERROR: <input>:${line}:${col}: ${e.message}`;
}

class Parser {
  readonly b = new AstBuilder();
  private pos = 0;
  private depth = 0;

  constructor(private readonly toks: Token[]) {}

  private peek(k = 0): Token {
    return this.toks[Math.min(this.pos + k, this.toks.length - 1)];
  }
  private next(): Token {
    const t = this.peek();
    if (this.pos < this.toks.length - 1) this.pos++;
    return t;
  }
  private is(text: string, k = 0): boolean {
    const t = this.peek(k);
    return (t.kind === 'punct' || t.kind === 'ident') && t.text === text;
  }
  private accept(text: string): Token | undefined {
    return this.is(text) ? this.next() : undefined;
  }
  private fail(t: Token, expecting?: string): never {
    const found = t.kind === 'eof' ? '<EOF>' : `'${t.text}'`;
    throw new CelSyntaxError(t.offset, expecting ? `Syntax error: mismatched input ${found} expecting ${expecting}` : `Syntax error: extraneous input ${found}`);
  }
  private expect(text: string): Token {
    const t = this.peek();
    if (!this.is(text)) this.fail(t, `'${text}'`);
    return this.next();
  }
  expectEnd(): void {
    if (this.peek().kind !== 'eof') this.fail(this.peek(), '<EOF>');
  }

  /** Expr = ConditionalOr ["?" ConditionalOr ":" Expr] */
  expr(): Expr {
    if (++this.depth > MAX_RECURSION) throw new CelSyntaxError(this.peek().offset, `expression recursion limit exceeded: ${MAX_RECURSION}`);
    try {
      const cond = this.logical('||', () => this.logical('&&', () => this.relation()));
      const q = this.accept('?');
      if (!q) return cond;
      const t = this.logical('||', () => this.logical('&&', () => this.relation()));
      this.expect(':');
      const f = this.expr();
      return this.b.call(q.offset, '_?_:_', [cond, t, f]);
    } finally {
      this.depth--;
    }
  }

  private logical(op: '||' | '&&', operand: () => Expr): Expr {
    const terms = [operand()];
    const offsets: number[] = [];
    for (let t = this.accept(op); t; t = this.accept(op)) {
      offsets.push(t.offset);
      terms.push(operand());
    }
    return this.b.balanced(`_${op}_`, terms, offsets);
  }

  private relation(): Expr {
    let left = this.addition();
    for (;;) {
      const t = this.peek();
      if (!((t.kind === 'punct' || t.kind === 'ident') && RELOPS.has(t.text))) return left;
      this.next();
      left = this.b.call(t.offset, t.text === 'in' ? '@in' : `_${t.text}_`, [left, this.addition()]);
    }
  }

  private addition(): Expr {
    let left = this.multiplication();
    for (let t = this.accept('+') ?? this.accept('-'); t; t = this.accept('+') ?? this.accept('-')) left = this.b.call(t.offset, `_${t.text}_`, [left, this.multiplication()]);
    return left;
  }

  private multiplication(): Expr {
    let left = this.unary();
    for (let t = this.accept('*') ?? this.accept('/') ?? this.accept('%'); t; t = this.accept('*') ?? this.accept('/') ?? this.accept('%')) left = this.b.call(t.offset, `_${t.text}_`, [left, this.unary()]);
    return left;
  }

  /** Unary = Member | "!" {"!"} Member | "-" {"-"} Member. An even run of one operator cancels
   * out and an odd one is applied once (as cel-go); `-1` written together is a negative literal. */
  private unary(): Expr {
    const first = this.peek();
    if (!this.is('!') && !this.is('-')) return this.member(this.primary());
    let n = 0;
    while (this.is(first.text)) {
      this.next();
      n++;
    }
    const lit = this.peek();
    if (n === 1 && first.text === '-' && (lit.kind === 'int' || lit.kind === 'double') && first.offset + 1 === lit.offset) {
      this.next();
      return this.member(this.literal(lit, true));
    }
    const e = this.member(this.primary());
    return n % 2 === 0 ? e : this.b.call(first.offset, first.text === '!' ? '!_' : '-_', [e]);
  }

  /** Member selections, calls and indexes after a primary; optional ones as `_?._` / `_[?_]`. */
  private member(e: Expr): Expr {
    for (;;) {
      const t = this.peek();
      if (this.is('.')) {
        this.next();
        const optional = !!this.accept('?');
        const name = this.identifier();
        if (!optional && this.is('(')) {
          const open = this.next();
          const args = this.args(')');
          e = this.memberCall(open.offset, e, name.text, args);
        } else if (optional) e = this.b.call(t.offset, '_?._', [e, this.b.constant(name.offset, { case: 'stringValue', value: name.text })]);
        else e = this.b.select(t.offset, e, name.text);
      } else if (this.is('[')) {
        this.next();
        const optional = !!this.accept('?');
        const index = this.expr();
        this.expect(']');
        e = this.b.call(t.offset, optional ? '_[?_]' : '_[_]', [e, index]);
      } else if (this.is('{') && qualifiedName(e) !== undefined) {
        e = this.structLiteral(qualifiedName(e) as string);
      } else return e;
    }
  }

  private memberCall(offset: number, target: Expr, fn: string, args: Expr[]): Expr {
    const counts = RECEIVER_MACROS[fn];
    if (counts?.includes(args.length - 1)) {
      const v = args[0];
      if (v.exprKind.case !== 'identExpr') throw new CelSyntaxError(offset, `${fn}() variable name must be a simple identifier`);
      const m = this.b.expandMacro(offset, fn, target, v.exprKind.value.name, args.slice(1));
      if (m) return m;
    }
    return this.b.call(offset, fn, args, target);
  }

  private identifier(): Token {
    const t = this.peek();
    if (t.kind !== 'ident') this.fail(t, 'IDENTIFIER');
    return this.next();
  }

  private args(close: string): Expr[] {
    const out: Expr[] = [];
    if (this.accept(close)) return out;
    for (;;) {
      out.push(this.expr());
      if (this.accept(close)) return out;
      this.expect(',');
    }
  }

  private primary(): Expr {
    const t = this.peek();
    switch (t.kind) {
      case 'int':
      case 'uint':
      case 'double':
      case 'string':
      case 'bytes':
        this.next();
        return this.literal(t, false);
      case 'ident':
        return this.identOrCall();
      case 'punct':
        break;
      default:
        this.fail(t);
    }
    if (this.is('.') && this.peek(1).kind === 'ident') {
      // A leading dot names the root scope: `.x` is x, never a comprehension variable.
      this.next();
      return this.identOrCall('.');
    }
    if (this.accept('(')) {
      const e = this.expr();
      this.expect(')');
      return e;
    }
    if (this.accept('[')) return this.listLiteral(t.offset);
    if (this.accept('{')) return this.mapLiteral(t.offset);
    this.fail(t);
  }

  private identOrCall(prefix = ''): Expr {
    const t = this.next();
    if (t.text === 'true' || t.text === 'false') return this.b.constant(t.offset, { case: 'boolValue', value: t.text === 'true' });
    if (t.text === 'null') return this.b.constant(t.offset, { case: 'nullValue', value: 0 } as never);
    if (RESERVED.has(t.text)) throw new CelSyntaxError(t.offset, `Syntax error: reserved identifier: ${t.text}`);
    if (!this.is('(')) return this.b.ident(t.offset, prefix + t.text);
    const open = this.next();
    const args = this.args(')');
    if (prefix === '' && t.text === 'has') {
      const a = args[0];
      if (args.length !== 1 || a.exprKind.case !== 'selectExpr') throw new CelSyntaxError(open.offset, 'invalid argument to has() macro');
      return this.b.select(t.offset, a.exprKind.value.operand as Expr, a.exprKind.value.field, true);
    }
    return this.b.call(t.offset, prefix + t.text, args);
  }

  private listLiteral(offset: number): Expr {
    const elements: Expr[] = [];
    const optional: number[] = [];
    while (!this.accept(']')) {
      if (this.accept('?')) optional.push(elements.length);
      elements.push(this.expr());
      if (!this.is(']')) this.expect(',');
    }
    return this.b.list(offset, elements, optional);
  }

  private mapLiteral(offset: number): Expr {
    const entries = [];
    while (!this.accept('}')) {
      const optional = !!this.accept('?');
      const key = this.expr();
      const colon = this.expect(':');
      entries.push(this.b.entry(colon.offset, { case: 'mapKey', value: key }, this.expr(), optional));
      if (!this.is('}')) this.expect(',');
    }
    return this.b.struct(offset, entries);
  }

  private structLiteral(messageName: string): Expr {
    const open = this.expect('{');
    const entries = [];
    while (!this.accept('}')) {
      const optional = !!this.accept('?');
      const field = this.identifier();
      const colon = this.expect(':');
      entries.push(this.b.entry(colon.offset, { case: 'fieldKey', value: field.text }, this.expr(), optional));
      if (!this.is('}')) this.expect(',');
    }
    return this.b.struct(open.offset, entries, messageName);
  }

  private literal(t: Token, negative: boolean): Expr {
    const o = negative ? t.offset - 1 : t.offset;
    switch (t.kind) {
      case 'string':
        return this.b.constant(o, { case: 'stringValue', value: t.value as string });
      case 'bytes':
        return this.b.constant(o, { case: 'bytesValue', value: t.value as Uint8Array });
      case 'double': {
        const v = Number.parseFloat(t.text);
        return this.b.constant(o, { case: 'doubleValue', value: negative ? -v : v });
      }
      case 'uint': {
        const v = BigInt(t.text.slice(0, -1));
        if (v > UINT64_MAX) throw new CelSyntaxError(o, `invalid uint literal`);
        return this.b.constant(o, { case: 'uint64Value', value: v });
      }
      default: {
        let v = BigInt(t.text);
        if (negative) v = -v;
        if (v > INT64_MAX || v < -INT64_MAX - 1n) throw new CelSyntaxError(o, `invalid int literal`);
        return this.b.constant(o, { case: 'int64Value', value: v });
      }
    }
  }
}

/** `a.b.c` for an identifier or a chain of plain selections on one (a message name), else undefined. */
function qualifiedName(e: Expr): string | undefined {
  if (e.exprKind.case === 'identExpr') return e.exprKind.value.name;
  if (e.exprKind.case === 'selectExpr' && !e.exprKind.value.testOnly && e.exprKind.value.operand) {
    const q = qualifiedName(e.exprKind.value.operand);
    return q === undefined ? undefined : `${q}.${e.exprKind.value.field}`;
  }
  return undefined;
}
