// YAML request bodies to values, bounded: nesting depth before parsing, alias bombs refused, depth
// again after aliases, duplicate keys found linearly. Pure and synchronous, so it runs the same on
// the event loop (small bodies) and in the YAML worker (large ones, see yaml-offload.ts).

import { parseDocument } from 'yaml';
import { badRequest } from '../api/errors.js';
import { depthMessage, valueDepthExceeds, yamlDepthExceeds } from './decode-limits.js';
import { yamlDuplicateKeys } from './yaml-duplicates.js';

export function decodeYaml(text: string): { value: unknown; duplicates: string[] } {
  if (yamlDepthExceeds(text)) throw badRequest(`the request body is not valid YAML: ${depthMessage()}`);
  // uniqueKeys off: the library's own check is quadratic; yamlDuplicateKeys finds them linearly.
  const doc = parseDocument(text, { uniqueKeys: false });
  if (doc.errors.length > 0) throw badRequest(`the request body is not valid YAML: ${doc.errors[0].message.split('\n')[0]}`);
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    // The library refuses alias bombs (exponential expansion) with a ReferenceError: the client's fault.
    throw badRequest(`the request body is not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  // Aliases can nest deeper than the text does.
  if (valueDepthExceeds(value)) throw badRequest(`the request body is not valid YAML: ${depthMessage()}`);
  return { value, duplicates: yamlDuplicateKeys(doc) };
}
