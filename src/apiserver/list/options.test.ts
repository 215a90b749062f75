import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseListQuery } from './options.js';
import { ApiError } from '../../api/errors.js';

const parse = (qs: string, watch = false) => parseListQuery(new URLSearchParams(qs), watch);
const fails = (qs: string, watch: boolean, code: number, message: string) =>
  assert.throws(
    () => parse(qs, watch),
    (e: unknown) => {
      assert.ok(e instanceof ApiError);
      assert.equal(e.code, code);
      assert.equal(e.message, message);
      return true;
    },
  );

test("integers that do not parse are 400 with strconv's words", () => {
  fails('timeoutSeconds=abc', true, 400, 'strconv.ParseInt: parsing "abc": invalid syntax');
  fails('limit=1.5', false, 400, 'strconv.ParseInt: parsing "1.5": invalid syntax');
  fails('limit=99999999999999999999', false, 400, 'strconv.ParseInt: parsing "99999999999999999999": value out of range');
  fails('resourceVersion=abc', false, 400, 'invalid resource version: resourceVersion: Invalid value: "abc": strconv.ParseUint: parsing "abc": invalid syntax');
  fails('resourceVersion=-3', true, 400, 'invalid resource version: resourceVersion: Invalid value: "-3": strconv.ParseUint: parsing "-3": invalid syntax');
  assert.equal(parse('limit=-5').limit, 0);
  assert.equal(parse('timeoutSeconds=30', true).timeoutSeconds, 30);
  assert.equal(parse('resourceVersion=12').rv, 12);
});

test('booleans are lenient as in Kubernetes', () => {
  assert.equal(parse('allowWatchBookmarks=false', true).allowWatchBookmarks, false);
  assert.equal(parse('allowWatchBookmarks=0', true).allowWatchBookmarks, false);
  assert.equal(parse('allowWatchBookmarks=yes', true).allowWatchBookmarks, true);
  assert.equal(parse('', true).sendInitialEvents, undefined);
});

test('forbidden combinations are 422 Invalid on ListOptions', () => {
  fails('resourceVersionMatch=Exact', false, 422, 'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided');
  fails('resourceVersion=0&resourceVersionMatch=Exact', false, 422, 'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"');
  fails('resourceVersion=5&resourceVersionMatch=Newest', false, 422, 'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Unsupported value: "Newest": supported values: "Exact", "NotOlderThan", ""');
  fails('resourceVersion=5&resourceVersionMatch=Exact&continue=x', false, 422, 'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden when continue is provided');
  fails('sendInitialEvents=true', false, 422, 'ListOptions.meta.k8s.io "" is invalid: sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list');
  fails('sendInitialEvents=true&allowWatchBookmarks=true', true, 422, 'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan');
  fails('resourceVersionMatch=NotOlderThan', true, 422, 'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided');
  fails('sendInitialEvents=true&resourceVersionMatch=Exact', true, 422, 'ListOptions.meta.k8s.io "" is invalid: [resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan, resourceVersionMatch: Unsupported value: "Exact": supported values: "NotOlderThan"]');
  const ok = parse('sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true', true);
  assert.equal(ok.sendInitialEvents, true);
  assert.equal(ok.match, 'NotOlderThan');
});
