// A stored value as the JSON an API client gets, without decoding it. Objects are stored as
// JSON.stringify wrote them, minus metadata.resourceVersion (codec.ts); what a client reads is that
// object with the resourceVersion put back. Parsing a 3 MiB pod and writing it out again are two
// whole passes of tens of milliseconds each on the event loop, once per GET and per watch event;
// the same bytes come from the stored text with the resourceVersion spliced in where decode() puts
// it (before the first of generation, creationTimestamp, ... or last). The scan reads top-level keys
// up to metadata and metadata's keys, skipping their values; it gives up (undefined: decode as
// before) on anything a JSON.stringify of an object with metadata would not have written.

import { RESOURCE_VERSION_BEFORE } from './codec.js';

/** Keys decode() puts resourceVersion before (codec.ts), as JSON.stringify writes them. */
const BEFORE = new Set([...RESOURCE_VERSION_BEFORE].map((k) => JSON.stringify(k)));

const QUOTE = 34;
const BACKSLASH = 92;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
const COMMA = 44;
const COLON = 58;

/** Just past the string starting at s[i] === '"', or -1. */
function skipString(s: string, i: number): number {
  let j = i + 1;
  for (;;) {
    const q = s.indexOf('"', j);
    if (q < 0) return -1;
    // Escaped when preceded by an odd number of backslashes.
    let b = q - 1;
    while (b > i && s.charCodeAt(b) === BACKSLASH) b--;
    if ((q - 1 - b) % 2 === 0) return q + 1;
    j = q + 1;
  }
}

/** Just past the JSON value starting at s[i] (compact JSON, no whitespace), or -1. */
function skipValue(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c === QUOTE) return skipString(s, i);
  if (c === OPEN_BRACE || c === OPEN_BRACKET) {
    let depth = 0;
    for (let j = i; j < s.length; j++) {
      const d = s.charCodeAt(j);
      if (d === QUOTE) {
        j = skipString(s, j) - 1;
        if (j < 0) return -1;
      } else if (d === OPEN_BRACE || d === OPEN_BRACKET) depth++;
      else if (d === CLOSE_BRACE || d === CLOSE_BRACKET) {
        if (--depth === 0) return j + 1;
      }
    }
    return -1;
  }
  // A number, true, false or null: up to the next delimiter.
  let j = i;
  while (j < s.length) {
    const d = s.charCodeAt(j);
    if (d === COMMA || d === CLOSE_BRACE || d === CLOSE_BRACKET) break;
    j++;
  }
  return j > i ? j : -1;
}

/**
 * The keys of the object starting at s[i] === '{': calls `key(start, valueStart)` for each (start at
 * the key's opening quote); `key` returns true to stop early. The index of the closing '}' when it
 * went through every key, the stopping key's start when `key` stopped, -1 on malformed input.
 */
function eachKey(s: string, i: number, key: (start: number, valueStart: number) => boolean): number {
  if (s.charCodeAt(i) !== OPEN_BRACE) return -1;
  let j = i + 1;
  if (s.charCodeAt(j) === CLOSE_BRACE) return j;
  for (;;) {
    if (s.charCodeAt(j) !== QUOTE) return -1;
    const keyEnd = skipString(s, j);
    if (keyEnd < 0 || s.charCodeAt(keyEnd) !== COLON) return -1;
    if (key(j, keyEnd + 1)) return j;
    const end = skipValue(s, keyEnd + 1);
    if (end < 0) return -1;
    const next = s.charCodeAt(end);
    if (next === CLOSE_BRACE) return end;
    if (next !== COMMA) return -1;
    j = end + 1;
  }
}

const keyIs = (s: string, start: number, valueStart: number, raw: string) => valueStart - 1 - start === raw.length && s.startsWith(raw, start);

/**
 * `stored` (a value as codec.encode wrote it) with resourceVersion `rv`: exactly
 * JSON.stringify(decode(kv, rv)), or undefined when the text is not laid out as expected.
 */
export function storedJsonWithResourceVersion(stored: string, rv: number | string): string | undefined {
  const version = String(rv);
  if (!/^\d+$/.test(version)) return undefined;
  let metaAt = -1;
  const top = eachKey(stored, 0, (start, valueStart) => {
    if (!keyIs(stored, start, valueStart, '"metadata"')) return false;
    metaAt = valueStart;
    return true;
  });
  if (top < 0 || metaAt < 0) return undefined;
  let insertAt = -1;
  let seenResourceVersion = false;
  const metaEnd = eachKey(stored, metaAt, (start, valueStart) => {
    const raw = stored.slice(start, valueStart - 1);
    if (raw === '"resourceVersion"') seenResourceVersion = true;
    else if (insertAt < 0 && BEFORE.has(raw)) insertAt = start;
    return false;
  });
  if (metaEnd < 0 || seenResourceVersion) return undefined;
  const field = `"resourceVersion":"${version}"`;
  if (insertAt >= 0) return `${stored.slice(0, insertAt)}${field},${stored.slice(insertAt)}`;
  const empty = metaEnd === metaAt + 1;
  return `${stored.slice(0, metaEnd)}${empty ? '' : ','}${field}${stored.slice(metaEnd)}`;
}
