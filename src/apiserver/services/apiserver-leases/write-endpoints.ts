// Writes the Endpoints and the EndpointSlice `default/kubernetes` to the planned addresses, each only
// when it differs (every API server reconciles every few seconds: an unchanged list is no write and
// no watch event for every proxy in the cluster). Writes carry the revision they read: a conflict
// with another server's write is left to the next round, which plans from the same leases.

import { randomUUID } from 'node:crypto';
import { defaultObject } from '../../../api/defaults.js';
import type { KindDef, KObject } from '../../../api/kind.js';
import { ApiError } from '../../../api/errors.js';
import { LABEL_SERVICE_NAME } from '../../../api/well-known.js';
import type { ApiState } from '../../context.js';
import { nowSeconds } from '../../prepare.js';
import type { Desired } from './plan.js';

const NS = 'default';
const NAME = 'kubernetes';

const isAlreadyExists = (e: unknown) => e instanceof ApiError && e.reason === 'AlreadyExists';
const isConflict = (e: unknown) => e instanceof ApiError && e.reason === 'Conflict';

/** What each object's list part should be (compared as JSON with what is stored). */
function endpointsBody(d: Desired) {
  return { subsets: [{ addresses: d.addresses.map((ip) => ({ ip })), ports: [{ name: 'https', port: d.port, protocol: 'TCP' }] }] };
}

function sliceBody(d: Desired) {
  return {
    addressType: d.addressType,
    endpoints: d.addresses.map((ip) => ({ addresses: [ip], conditions: { ready: true, serving: true, terminating: false } })),
    ports: [{ name: 'https', port: d.port, protocol: 'TCP' }],
  };
}

/** Which objects were written (for the log); nothing when both already listed d. */
export async function writeKubernetesEndpoints(state: ApiState, d: Desired): Promise<string[]> {
  const epDef = state.registry.byResource('', 'v1', 'endpoints');
  const sliceDef = state.registry.byResource('discovery.k8s.io', 'v1', 'endpointslices');
  const written: string[] = [];
  if (epDef && (await ensure(state, epDef, 'v1', 'Endpoints', { 'endpointslice.kubernetes.io/skip-mirror': 'true' }, endpointsBody(d)))) written.push('endpoints');
  if (sliceDef && (await ensure(state, sliceDef, 'discovery.k8s.io/v1', 'EndpointSlice', { [LABEL_SERVICE_NAME]: NAME }, sliceBody(d)))) written.push('endpointslice');
  return written;
}

/** Create or update one object so its body fields equal body; true when it wrote. */
async function ensure(state: ApiState, def: KindDef, apiVersion: string, kind: string, labels: Record<string, string>, body: Record<string, unknown>): Promise<boolean> {
  const objects = state.objects(def);
  const cur = await objects.get(NS, NAME);
  if (!cur) {
    const obj: KObject = { apiVersion, kind, metadata: { name: NAME, namespace: NS, uid: randomUUID(), creationTimestamp: nowSeconds(), labels }, ...body };
    defaultObject(def, obj);
    try {
      await objects.create(obj);
      return true;
    } catch (e) {
      // Another server made it just now: the next round compares with theirs.
      if (isAlreadyExists(e)) return false;
      throw e;
    }
  }
  // Compared as stored, defaults included, or every round would see a difference.
  const next = { ...structuredClone(cur.obj), ...structuredClone(body) };
  defaultObject(def, next);
  if (Object.keys(body).every((k) => JSON.stringify(cur.obj[k]) === JSON.stringify(next[k]))) return false;
  try {
    await objects.update(next, cur.revision);
    return true;
  } catch (e) {
    if (isConflict(e)) return false;
    throw e;
  }
}
