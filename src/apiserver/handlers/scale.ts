// The scale subresource: an autoscaling/v1 Scale view (spec.replicas, status.replicas, selector)
// of any kind that declares one, read and written without touching the rest of the object.

import type { KObject, ScaleSubresource } from '../../api/kind.js';
import { selectorToString } from '../selectors.js';
import type { RequestContext } from '../context.js';
import { warningHeaders } from '../context.js';
import { isDryRun, prepareForUpdate } from '../prepare.js';
import { decodeBody, readBody } from '../body.js';
import { badRequest, conflict, invalid, fieldErr } from '../../api/errors.js';
import { sendObject } from '../respond.js';
import { applyJsonPatch } from '../patch/json-patch.js';
import { applyMergePatch } from '../patch/merge-patch.js';
import { patchTypeOf } from './patch.js';
import { updateWithRetry } from './persist.js';
import { cloneJson } from '../../util/clone-json.js';

const path = (p: string) => p.replace(/^\./, '').split('.');
function getPath(obj: unknown, p: string): unknown {
  let cur = obj;
  for (const seg of path(p)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur;
}
function setPath(obj: Record<string, unknown>, p: string, value: unknown) {
  const segs = path(p);
  let cur = obj;
  for (const seg of segs.slice(0, -1)) {
    if (cur[seg] === null || typeof cur[seg] !== 'object') cur[seg] = {};
    cur = cur[seg] as Record<string, unknown>;
  }
  cur[segs[segs.length - 1]] = value;
}

/**
 * A selector as the Scale's status.selector string. A ReplicationController's selector is a plain
 * label map (every value a string), which a LabelSelector never is (its values are a map and a list).
 */
function selectorText(sel: unknown): string {
  if (typeof sel === 'string') return sel;
  if (sel !== null && typeof sel === 'object' && !Array.isArray(sel)) {
    const entries = Object.entries(sel as Record<string, unknown>);
    if (entries.length > 0 && entries.every(([, v]) => typeof v === 'string')) return selectorToString({ matchLabels: sel });
  }
  return selectorToString(sel);
}

function scaleSpec(rc: RequestContext): ScaleSubresource {
  return rc.def.subresources!.scale!;
}

export function toScale(rc: RequestContext, obj: KObject): KObject {
  const s = scaleSpec(rc);
  const sel = s.labelSelectorPath ? getPath(obj, s.labelSelectorPath) : undefined;
  const m = obj.metadata!;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    spec: { replicas: (getPath(obj, s.specReplicasPath) as number | undefined) ?? 0 },
    status: {
      replicas: (getPath(obj, s.statusReplicasPath) as number | undefined) ?? 0,
      ...(sel === undefined ? {} : { selector: selectorText(sel) }),
    },
  };
}

/** Writes a Scale's spec.replicas into the object it is a view of (a mutating webhook's changed Scale). */
export function setScaleReplicas(rc: RequestContext, obj: KObject, replicas: number) {
  setPath(obj as Record<string, unknown>, scaleSpec(rc).specReplicasPath, replicas);
}

/** Admission of a scale request reviews the Scale, as Kubernetes sends it (not the parent object). */
export const isScaleAdmission = (rc: RequestContext, subresource: string) => subresource === 'scale' && !!rc.def.subresources?.scale;

export const SCALE_KIND = { group: 'autoscaling', version: 'v1', kind: 'Scale' };

export async function handleGetScale(rc: RequestContext) {
  const { obj } = await rc.api.objects(rc.def).mustGet(rc.info.namespace, rc.info.name!);
  sendObject(rc.req, rc.res, 200, toScale(rc, obj));
}

/** PUT or PATCH of a Scale: compute the new Scale, then write only spec.replicas into the object. */
export async function handleWriteScale(rc: RequestContext, method: 'PUT' | 'PATCH') {
  const patchType = method === 'PATCH' ? patchTypeOf(rc) : undefined;
  const { value } = decodeBody(await readBody(rc.req), method === 'PATCH' ? (patchType === 'apply' ? 'application/yaml' : 'application/json') : rc.req.headers['content-type']);
  const dryRun = isDryRun(rc);
  const result = await updateWithRetry(
    rc,
    (current) => {
      const scale = toScale(rc, current);
      let next: KObject;
      if (method === 'PUT' || patchType === 'apply') {
        next = value as KObject;
        const rv = next?.metadata?.resourceVersion;
        if (method === 'PUT' && rv && rv !== current.metadata!.resourceVersion) {
          throw conflict({ group: rc.def.group, resource: rc.def.plural }, rc.info.name!, 'the object has been modified; please apply your changes to the latest version and try again');
        }
      } else if (patchType === 'json') {
        next = applyJsonPatch(scale, value) as KObject;
      } else {
        // Scale has no lists, so strategic merge is a merge patch here.
        next = applyMergePatch(scale, value) as KObject;
      }
      const replicas = (next?.spec as { replicas?: unknown } | undefined)?.replicas;
      if (replicas === undefined) throw badRequest('the Scale must set spec.replicas');
      if (!Number.isInteger(replicas) || (replicas as number) < 0) {
        throw invalid('Scale', 'autoscaling', rc.info.name!, [fieldErr.invalid('spec.replicas', replicas, 'must be greater than or equal to 0')]);
      }
      const updated = cloneJson(current);
      setPath(updated, scaleSpec(rc).specReplicasPath, replicas);
      return prepareForUpdate(rc, current, updated, { subresource: 'scale' });
    },
    undefined,
    { dryRun },
  );
  sendObject(rc.req, rc.res, 200, toScale(rc, result.obj), warningHeaders(rc.warnings));
}
