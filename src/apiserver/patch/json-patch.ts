// RFC 6902 JSON Patch: add, remove, replace, move, copy, test; "-" appends; ~0 and ~1 escapes.
// A failed operation leaves nothing changed: it works on a copy and throws a 422 that says which op failed.
// Bounded as Kubernetes bounds it: at most 10,000 operations (413), and copies may add at most 3 MiB
// in total (422), so a short patch of doubling copies cannot grow an object without limit.

import { ApiError, badRequest, shownValue } from '../../api/errors.js';
import { deepEqual } from '../../util/equal.js';
import { cloneJson } from '../../util/clone-json.js';

interface Op {
  op: string;
  path: string;
  from?: string;
  value?: unknown;
}

const invalid = (msg: string) => new ApiError(422, 'Invalid', msg);

/** Kubernetes' maxJSONPatchOperations. */
export const MAX_JSON_PATCH_OPERATIONS = 10000;
/** Kubernetes' JSONPatchMaxCopyBytes (the request body limit): what copy operations may add in total. */
export const MAX_JSON_PATCH_COPY_BYTES = 3 * 1024 * 1024;

/**
 * List items a patch may shift (inserting into or removing from lists) and path segments it may walk. Not a
 * Kubernetes limit: Go applies such patches off the request path, but here they would hold the event
 * loop (10,000 inserts at the front of a 100,000-item list are a billion moves). 10 million is tens of
 * milliseconds, far more than kubectl's patches need.
 */
export const MAX_JSON_PATCH_WORK = 10_000_000;

class Budget {
  left = MAX_JSON_PATCH_WORK;
  spend(n: number) {
    this.left -= n;
    if (this.left < 0) throw invalid(`the JSON patch does too much work: it moves more than ${MAX_JSON_PATCH_WORK} values; split it into smaller patches`);
  }
}

/** A value's size as JSON, which is how Kubernetes counts copied bytes. */
const jsonSize = (v: unknown) => Buffer.byteLength(JSON.stringify(v) ?? 'null');

function parsePointer(p: string): string[] {
  if (p === '') return [];
  if (!p.startsWith('/')) throw invalid(`JSON pointer "${p}" must start with "/"`);
  return p
    .slice(1)
    .split('/')
    .map((s) => (s.includes('~') ? s.replace(/~1/g, '/').replace(/~0/g, '~') : s));
}

type Container = Record<string, unknown> | unknown[];

function parentOf(doc: unknown, segs: string[], path: string): { parent: Container; key: string } {
  let cur: unknown = doc;
  for (const s of segs.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[index(cur, s, path, false)];
    else if (cur && typeof cur === 'object') cur = (cur as Record<string, unknown>)[s];
    else throw invalid(`doc is missing path: "${path}": missing value`);
    if (cur === undefined) throw invalid(`doc is missing path: "${path}": missing value`);
  }
  if (!cur || typeof cur !== 'object') throw invalid(`doc is missing path: "${path}": missing value`);
  return { parent: cur as Container, key: segs[segs.length - 1] };
}

function index(arr: unknown[], s: string, path: string, forAdd: boolean): number {
  if (forAdd && s === '-') return arr.length;
  if (!/^(0|[1-9]\d*)$/.test(s)) throw invalid(`invalid array index "${s}" in path "${path}"`);
  const i = Number(s);
  if (i > arr.length || (!forAdd && i >= arr.length)) throw invalid(`array index ${i} out of bounds in path "${path}"`);
  return i;
}

function get(doc: unknown, path: string): unknown {
  let cur = doc;
  for (const s of parsePointer(path)) {
    if (Array.isArray(cur)) cur = cur[index(cur, s, path, false)];
    else if (cur && typeof cur === 'object' && s in (cur as object)) cur = (cur as Record<string, unknown>)[s];
    else throw invalid(`doc is missing path: "${path}": missing value`);
  }
  return cur;
}

function add(doc: unknown, path: string, value: unknown, budget: Budget): unknown {
  const segs = parsePointer(path);
  budget.spend(segs.length);
  if (segs.length === 0) return value;
  const { parent, key } = parentOf(doc, segs, path);
  if (Array.isArray(parent)) {
    const i = index(parent, key, path, true);
    budget.spend(parent.length - i);
    parent.splice(i, 0, value);
  } else parent[key] = value;
  return doc;
}

function remove(doc: unknown, path: string, budget: Budget): unknown {
  const segs = parsePointer(path);
  budget.spend(segs.length);
  if (segs.length === 0) throw invalid('cannot remove the whole document');
  const { parent, key } = parentOf(doc, segs, path);
  if (Array.isArray(parent)) {
    const i = index(parent, key, path, false);
    budget.spend(parent.length - i);
    parent.splice(i, 1);
  } else {
    if (!(key in parent)) throw invalid(`unable to remove nonexistent key: ${key}: missing value`);
    delete parent[key];
  }
  return doc;
}

export function applyJsonPatch(doc: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch)) throw badRequest('a JSON patch must be a list of operations, e.g. [{"op":"replace","path":"/spec/replicas","value":3}]');
  if (patch.length > MAX_JSON_PATCH_OPERATIONS) {
    throw new ApiError(413, 'RequestEntityTooLarge', `Request entity too large: The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${patch.length}`);
  }
  let out = cloneJson(doc);
  let copied = 0;
  const budget = new Budget();
  for (const [i, raw] of patch.entries()) {
    const op = raw as Op;
    if (!op || typeof op !== 'object' || typeof op.path !== 'string') throw badRequest(`JSON patch operation ${i} needs "op" and "path"`);
    switch (op.op) {
      case 'add':
        if (!('value' in op)) throw badRequest(`JSON patch operation ${i} (add) needs "value"`);
        out = add(out, op.path, cloneJson(op.value), budget);
        break;
      case 'remove':
        out = remove(out, op.path, budget);
        break;
      case 'replace':
        if (!('value' in op)) throw badRequest(`JSON patch operation ${i} (replace) needs "value"`);
        get(out, op.path);
        out = add(remove(out, op.path, budget), op.path, cloneJson(op.value), budget);
        break;
      case 'move': {
        if (typeof op.from !== 'string') throw badRequest(`JSON patch operation ${i} (move) needs "from"`);
        const v = get(out, op.from);
        out = add(remove(out, op.from, budget), op.path, v, budget);
        break;
      }
      case 'copy': {
        if (typeof op.from !== 'string') throw badRequest(`JSON patch operation ${i} (copy) needs "from"`);
        const v = get(out, op.from);
        // Measured before cloning: a value bigger than what is left of the budget is never copied.
        copied += jsonSize(v);
        if (copied > MAX_JSON_PATCH_COPY_BYTES) {
          throw invalid(`Unable to complete the copy, the accumulated size increase of copy is ${copied}, exceeding the limit ${MAX_JSON_PATCH_COPY_BYTES}`);
        }
        out = add(out, op.path, cloneJson(v), budget);
        break;
      }
      case 'test': {
        // No budget needed: a test that passes compared a value as large as its copy in the body,
        // and the first that fails ends the patch.
        const v = get(out, op.path);
        if (!deepEqual(v, op.value)) throw invalid(`the JSON patch test operation failed: the value at "${op.path}" is not ${shownValue(op.value)}`);
        break;
      }
      default:
        throw badRequest(`unknown JSON patch operation "${String(op.op)}": use add, remove, replace, move, copy or test`);
    }
  }
  return out;
}
