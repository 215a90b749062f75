// CEL's lexical grammar (cel-spec langdef.md): identifiers, reserved words, int/uint/double
// literals (decimal and hex), the four string quotings with raw (r) and bytes (b) prefixes and their
// escapes, `//` comments. Tokens carry their offset so errors say where, as cel-go does.

export type TokenKind = 'ident' | 'int' | 'uint' | 'double' | 'string' | 'bytes' | 'punct' | 'eof';

export interface Token {
  kind: TokenKind;
  /** Punctuation or identifier text; for literals, the source text. */
  text: string;
  /** Decoded value of a string (string) or bytes (Uint8Array) literal. */
  value?: string | Uint8Array;
  offset: number;
}

export class CelSyntaxError extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

/** Longest first, so `<=` is not read as `<` then `=`. `.?` and `[?` are read by the parser. */
const PUNCT = ['&&', '||', '==', '!=', '<=', '>=', '<', '>', '!', '+', '-', '*', '/', '%', '?', ':', '.', ',', '(', ')', '[', ']', '{', '}', '='];

const isDigit = (c: string) => c >= '0' && c <= '9';
const isHex = (c: string) => isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
const isIdentStart = (c: string) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
const isIdentPart = (c: string) => isIdentStart(c) || isDigit(c);

export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f') {
      i++;
      continue;
    }
    if (c === '/' && src[i + 1] === '/') {
      while (i < src.length && src[i] !== '\n') i++;
      continue;
    }
    const start = i;
    // String and bytes literals: r (raw), b (bytes) or br prefixes, any case (CEL.g4's BYTES is b + STRING).
    const prefix = /^(?:[rR]|[bB][rR]?)?(?=['"])/.exec(src.slice(i, i + 3));
    if (prefix && (prefix[0] !== '' || c === '"' || c === "'")) {
      const p = prefix[0].toLowerCase();
      const tok = readString(src, i + p.length, p.includes('r'), p.includes('b'));
      out.push({ kind: p.includes('b') ? 'bytes' : 'string', text: src.slice(start, tok.end), value: tok.value, offset: start });
      i = tok.end;
      continue;
    }
    if (isIdentStart(c)) {
      while (i < src.length && isIdentPart(src[i])) i++;
      out.push({ kind: 'ident', text: src.slice(start, i), offset: start });
      continue;
    }
    if (isDigit(c) || (c === '.' && isDigit(src[i + 1] ?? ''))) {
      const n = readNumber(src, i);
      out.push({ kind: n.kind, text: src.slice(start, n.end), offset: start });
      i = n.end;
      continue;
    }
    const p = PUNCT.find((q) => src.startsWith(q, i));
    if (!p || p === '=') throw new CelSyntaxError(i, `Syntax error: token recognition error at: '${src.slice(i, i + (p ? 2 : 1))}'`);
    out.push({ kind: 'punct', text: p, offset: i });
    i += p.length;
  }
  out.push({ kind: 'eof', text: '<EOF>', offset: src.length });
  return out;
}

function readNumber(src: string, i: number): { kind: 'int' | 'uint' | 'double'; end: number } {
  if (src[i] === '0' && (src[i + 1] === 'x' || src[i + 1] === 'X') && isHex(src[i + 2] ?? '')) {
    i += 2;
    while (i < src.length && isHex(src[i])) i++;
    if (src[i] === 'u' || src[i] === 'U') return { kind: 'uint', end: i + 1 };
    return { kind: 'int', end: i };
  }
  let double = false;
  while (i < src.length && isDigit(src[i])) i++;
  // A fraction needs a digit after the dot: `1.size()` is a call on 1.
  if (src[i] === '.' && isDigit(src[i + 1] ?? '')) {
    double = true;
    i++;
    while (i < src.length && isDigit(src[i])) i++;
  }
  const exp = /^[eE][+-]?\d+/.exec(src.slice(i, i + 400));
  if (exp) {
    double = true;
    i += exp[0].length;
  }
  if (!double && (src[i] === 'u' || src[i] === 'U')) return { kind: 'uint', end: i + 1 };
  return { kind: double ? 'double' : 'int', end: i };
}

const SIMPLE_ESCAPES: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92, "'": 39, '"': 34, '`': 96, '?': 63 };

/** Reads a quoted literal starting at its quote; returns the decoded value and the end offset. */
function readString(src: string, i: number, raw: boolean, bytes: boolean): { value: string | Uint8Array; end: number } {
  const start = i;
  const q = src[i];
  const triple = src.startsWith(q.repeat(3), i);
  const close = triple ? q.repeat(3) : q;
  i += close.length;
  // Text as UTF-8 bytes plus escapes: \x and octal escapes are bytes in a bytes literal, code points in a string.
  const parts: (string | number[])[] = [];
  let text = '';
  const flush = () => {
    if (text) parts.push(text);
    text = '';
  };
  for (;;) {
    if (i >= src.length) throw new CelSyntaxError(start, `Syntax error: token recognition error at: '${src.slice(start, start + 20)}'`);
    if (src.startsWith(close, i)) {
      i += close.length;
      break;
    }
    const c = src[i];
    if (!triple && (c === '\n' || c === '\r')) throw new CelSyntaxError(start, `Syntax error: token recognition error at: '${src.slice(start, i)}'`);
    if (c !== '\\' || raw) {
      text += c;
      i++;
      continue;
    }
    const e = src[i + 1] ?? '';
    const bad = () => new CelSyntaxError(i, `Syntax error: token recognition error at: '${src.slice(i, i + 2)}'`);
    if (e in SIMPLE_ESCAPES) {
      text += String.fromCharCode(SIMPLE_ESCAPES[e]);
      i += 2;
      continue;
    }
    let code: number;
    let len: number;
    if (e === 'x' || e === 'X') len = 2;
    else if (e === 'u') len = 4;
    else if (e === 'U') len = 8;
    else if (e >= '0' && e <= '3') len = 3;
    else throw bad();
    if (e >= '0' && e <= '3') {
      const oct = src.slice(i + 1, i + 4);
      if (!/^[0-7]{3}$/.test(oct)) throw bad();
      code = Number.parseInt(oct, 8);
      i += 4;
    } else {
      const hex = src.slice(i + 2, i + 2 + len);
      if (hex.length !== len || ![...hex].every(isHex)) throw bad();
      code = Number.parseInt(hex, 16);
      i += 2 + len;
    }
    if ((e === 'u' || e === 'U') && (code > 0x10ffff || (code >= 0xd800 && code < 0xe000))) throw new CelSyntaxError(start, 'Syntax error: invalid unicode code point');
    if (bytes && (e === 'x' || e === 'X' || len === 3)) {
      flush();
      parts.push([code]);
    } else text += String.fromCodePoint(code);
  }
  flush();
  if (!bytes) return { value: parts.join(''), end: i };
  const chunks = parts.map((p) => (typeof p === 'string' ? new TextEncoder().encode(p) : Uint8Array.from(p)));
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return { value: out, end: i };
}
