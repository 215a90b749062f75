// The CSI v1 and plugin-registration protocols, loaded once from their .proto files with
// @grpc/proto-loader in the shape src/csi/types.ts describes (camelCase fields, int64 as number,
// enums by name, defaults filled in, oneofs named). The .proto files are not compiled: they are read
// from src/csi/proto/, found beside this module (running from src with tsx) or, from the compiled
// dist/src/csi/, in the package's own src/csi/proto/ (the build does not copy them; a clean clone
// built with `npx tsc -p .` has them there).

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const LOADER_OPTIONS: protoLoader.Options = { keepCase: false, longs: Number, enums: String, defaults: true, oneofs: true };

function protoFile(name: string): string {
  const candidates = [new URL(`./proto/${name}`, import.meta.url), new URL(`../../../src/csi/proto/${name}`, import.meta.url)].map((u) => fileURLToPath(u));
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`CSI: ${name} not found (looked in ${candidates.join(', ')})`);
  return found;
}

export interface CsiProtocols {
  identity: grpc.ServiceClientConstructor;
  controller: grpc.ServiceClientConstructor;
  node: grpc.ServiceClientConstructor;
  registration: grpc.ServiceClientConstructor;
}

let loaded: CsiProtocols | undefined;

/** The gRPC service constructors (their .service is the server-side definition). Loaded on first use. */
export function csiProtocols(): CsiProtocols {
  if (loaded) return loaded;
  const csi = grpc.loadPackageDefinition(protoLoader.loadSync(protoFile('csi.proto'), LOADER_OPTIONS)) as unknown as { csi: { v1: Record<string, grpc.ServiceClientConstructor> } };
  const reg = grpc.loadPackageDefinition(protoLoader.loadSync(protoFile('pluginregistration.proto'), LOADER_OPTIONS)) as unknown as { pluginregistration: Record<string, grpc.ServiceClientConstructor> };
  loaded = { identity: csi.csi.v1.Identity, controller: csi.csi.v1.Controller, node: csi.csi.v1.Node, registration: reg.pluginregistration.Registration };
  return loaded;
}

/** Oneof members' names, which `oneofs: true` adds beside the member that is set ({block: {}, accessType: 'block'}). */
const ONEOF_NAMES = new Set(['type', 'accessType']);
const MAX_DEPTH = 32;

/**
 * A decoded message as the interfaces of types.ts have it: unset message fields (null with
 * `defaults: true`) and the oneof-name markers are removed, so `req.volumeContentSource` is
 * undefined rather than null and a round trip gives back what was sent (plus scalar defaults).
 */
export function normalizeMessage<T>(value: unknown, depth = 0): T {
  if (Array.isArray(value)) return value.map((v) => normalizeMessage(v, depth + 1)) as T;
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value) || depth > MAX_DEPTH) return value as T;
  const out: Record<string, unknown> = {};
  const obj = value as Record<string, unknown>;
  for (const [k, v] of Object.entries(obj)) {
    if (v === null || v === undefined) continue;
    if (ONEOF_NAMES.has(k) && typeof v === 'string' && v !== k && typeof obj[v] === 'object' && obj[v] !== null) continue;
    out[k] = normalizeMessage(v, depth + 1);
  }
  return out as T;
}
