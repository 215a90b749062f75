// pods/eviction: a delete that respects PodDisruptionBudgets (what `kubectl drain` calls). As
// Kubernetes' EvictionREST: a pod that is not running (pending, finished, already deleting) is
// deleted without a budget; otherwise its one matching budget must allow a disruption, which is
// spent by an optimistic update of the budget's status (recording the pod in disruptedPods) before
// the pod is marked DisruptionTarget and deleted with the Eviction's deleteOptions. A budget that
// allows none is a 429 the client retries; more than one matching budget is a 500.

import type { Pod, PodCondition } from '../api/core/index.js';
import type { KindDef, KObject } from '../api/kind.js';
import { ApiError, badRequest, conflict, forbidden, type Status } from '../api/errors.js';
import { DISRUPTION_ALLOWED, DISRUPTION_BUDGET_CAUSE, MAX_DISRUPTED_PODS, type Pdb, SYNC_FAILED, evictionSelects, withDisruptionAllowedCondition } from '../api/kinds/policy/budget.js';
import { evictionSchema } from '../api/kinds/policy/eviction.js';
import type { RequestContext } from './context.js';
import { isDryRun, nowSeconds } from './prepare.js';
import { decodeBody, readBody } from './body.js';
import { sendJson } from './respond.js';
import { admit } from './admission/admit.js';
import { checkDeleteOptions, type DeleteOptions, deleteOne } from './handlers/delete.js';

/** Kubernetes' EvictionsRetry: 20 attempts against conflicting writers of the budget or the pod. */
const RETRIES = 20;
const TOO_MANY = "Cannot evict pod as it would violate the pod's disruption budget.";
const PDB_REF = { group: 'policy', resource: 'poddisruptionbudget' };

interface Eviction {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string };
  deleteOptions?: DeleteOptions | null;
}

const tooManyRequests = (cause: string) => new ApiError(429, 'TooManyRequests', TOO_MANY, { causes: [{ reason: DISRUPTION_BUDGET_CAUSE, message: cause }] });

const isReady = (pod: Pod) => (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

/** A pod that is not running disrupts nothing more by being evicted (Kubernetes' canIgnorePDB). */
function canIgnoreBudget(pod: Pod): boolean {
  const phase = pod.status?.phase ?? 'Pending';
  return phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || !!pod.metadata?.deletionTimestamp;
}

/** Terminal or deleting pods cannot become ready again: no need to pin the resourceVersion we decided on. */
function shouldPinVersion(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return !(phase === 'Succeeded' || phase === 'Failed' || pod.metadata?.deletionTimestamp);
}

function decodeEviction(rc: RequestContext, body: unknown): Eviction {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest('the body of pods/eviction must be an Eviction object');
  const e = body as Eviction;
  if (e.kind !== undefined && e.kind !== 'Eviction') throw badRequest(`not a Eviction object: ${String(e.kind)}`);
  // kubectl sends policy/v1 or, when the server advertises only that, policy/v1beta1: the same body.
  if (e.apiVersion !== undefined && e.apiVersion !== 'policy/v1' && e.apiVersion !== 'policy/v1beta1') throw badRequest(`unsupported apiVersion "${String(e.apiVersion)}" for an Eviction: policy/v1 or policy/v1beta1`);
  if (e.metadata !== undefined && (typeof e.metadata !== 'object' || e.metadata === null || Array.isArray(e.metadata))) throw badRequest('metadata of an Eviction must be an object');
  if (e.metadata?.name !== rc.info.name) throw badRequest('name in URL does not match name in Eviction object');
  if (e.metadata?.namespace && e.metadata.namespace !== rc.info.namespace) throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  if (e.deleteOptions !== undefined && e.deleteOptions !== null && (typeof e.deleteOptions !== 'object' || Array.isArray(e.deleteOptions))) throw badRequest('deleteOptions of an Eviction must be a DeleteOptions object');
  return e;
}

/** The delete options with the request's dryRun merged in (Kubernetes' propagateDryRun). */
function deleteOptionsOf(rc: RequestContext, e: Eviction): { opts: DeleteOptions; dryRun: boolean } {
  const opts = checkDeleteOptions(structuredClone(e.deleteOptions ?? {}));
  const fromQuery = isDryRun(rc);
  const fromBody = opts.dryRun;
  if (fromBody !== undefined && (!Array.isArray(fromBody) || fromBody.some((v) => v !== 'All'))) throw badRequest('deleteOptions.dryRun: only "All" is supported');
  if (fromQuery && fromBody && fromBody.length === 0) throw badRequest('Non-matching dry-run options in request and content');
  return { opts, dryRun: fromQuery || (fromBody ?? []).length > 0 };
}

/** Budgets of the pod's namespace whose (non-empty) selector matches the pod, with the revision they were read at. */
async function budgetsFor(rc: RequestContext, pdbDef: KindDef, pod: Pod): Promise<{ obj: Pdb; revision: number }[]> {
  const objects = rc.api.objects(pdbDef);
  const labels = (pod.metadata?.labels ?? {}) as Record<string, string>;
  const found: { obj: Pdb; revision: number }[] = [];
  let continueKey: string | undefined;
  do {
    const page = await objects.list(pod.metadata?.namespace, { limit: 500, continueKey });
    for (const item of page.items) if (evictionSelects(item as Pdb, labels)) found.push({ obj: item as Pdb, revision: Number(item.metadata?.resourceVersion) });
    continueKey = page.continueKey;
  } while (continueKey);
  return found;
}

/**
 * Spends one disruption of the budget (Kubernetes' checkAndDecrement), re-reading it on conflict.
 * A dry run checks only.
 */
async function checkAndDecrement(rc: RequestContext, pdbDef: KindDef, first: { obj: Pdb; revision: number }, podName: string, dryRun: boolean) {
  const objects = rc.api.objects(pdbDef);
  let cur = first;
  for (let attempt = 0; ; attempt++) {
    const pdb = structuredClone(cur.obj);
    const name = pdb.metadata?.name ?? '';
    const status = pdb.status ?? { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
    if ((status.observedGeneration ?? 0) < (pdb.metadata?.generation ?? 0)) throw tooManyRequests(`The disruption budget ${name} is still being processed by the server.`);
    if (status.disruptionsAllowed < 0) throw forbidden(PDB_REF, name, 'pdb disruptions allowed is negative');
    if (Object.keys(status.disruptedPods ?? {}).length > MAX_DISRUPTED_PODS) throw forbidden(PDB_REF, name, 'DisruptedPods map too big - too many evictions not confirmed by PDB controller');
    if (status.disruptionsAllowed === 0) {
      const c = status.conditions?.find((x) => x.type === DISRUPTION_ALLOWED);
      if (c?.status === 'False' && c.reason === SYNC_FAILED) throw tooManyRequests(`The disruption budget ${name} does not allow evicting pods currently because it failed sync: ${c.message}`);
      throw tooManyRequests(`The disruption budget ${name} needs ${status.desiredHealthy} healthy pods and has ${status.currentHealthy} currently`);
    }
    let next = { ...status, disruptionsAllowed: status.disruptionsAllowed - 1 };
    if (next.disruptionsAllowed === 0) next = withDisruptionAllowedCondition(next);
    if (dryRun) return;
    next.disruptedPods = { ...(next.disruptedPods ?? {}), [podName]: nowSeconds() };
    pdb.status = next;
    try {
      await objects.update(pdb, cur.revision);
      return;
    } catch (e) {
      if ((e as { reason?: string }).reason !== 'Conflict' || attempt >= RETRIES) throw e;
      const fresh = await objects.mustGet(pdb.metadata?.namespace, name);
      cur = { obj: fresh.obj as Pdb, revision: fresh.revision };
    }
  }
}

/**
 * Marks the pod DisruptionTarget (reason EvictionByEvictionAPI), then deletes it. A resourceVersion
 * precondition is checked against the pod before the mark and moved to the marked pod's version.
 */
async function markAndDelete(rc: RequestContext, opts: DeleteOptions, dryRun: boolean) {
  const ns = rc.info.namespace;
  const name = rc.info.name!;
  let options = opts;
  if (!dryRun) {
    const ref = { group: '', resource: 'pods' };
    const marked = await rc.api.objects(rc.def).guaranteedUpdate(ns, name, (cur) => {
      const p = cur as Pod;
      const pre = options.preconditions;
      if (pre?.uid && pre.uid !== p.metadata?.uid) throw conflict(ref, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${p.metadata?.uid}`);
      if (pre?.resourceVersion && pre.resourceVersion !== p.metadata?.resourceVersion) {
        throw conflict(ref, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${p.metadata?.resourceVersion}`);
      }
      if (p.metadata?.deletionTimestamp) return null;
      const status = p.status ?? {};
      const conditions = status.conditions ?? [];
      const old = conditions.find((c) => c.type === 'DisruptionTarget');
      if (old?.status === 'True' && old.reason === 'EvictionByEvictionAPI') return null;
      const next: PodCondition = { type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting', lastTransitionTime: old?.status === 'True' ? old.lastTransitionTime : nowSeconds() };
      const copy = structuredClone(p);
      copy.status = { ...status, conditions: old ? conditions.map((c) => (c === old ? next : c)) : [...conditions, next] };
      return copy;
    });
    if (options.preconditions?.resourceVersion && marked.changed) options = { ...options, preconditions: { ...options.preconditions, resourceVersion: marked.obj.metadata?.resourceVersion } };
  }
  await deleteOne(rc, ns, name, options, dryRun, { skipAdmission: true });
}

const created = (): Status => ({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });

export async function handleEviction(rc: RequestContext) {
  if (rc.info.verb !== 'create') throw badRequest('pods/eviction only accepts POST of an Eviction');
  const { value } = decodeBody(await readBody(rc.req), rc.req.headers['content-type'], evictionSchema);
  const eviction = decodeEviction(rc, value);
  const { opts, dryRun } = deleteOptionsOf(rc, eviction);
  const pdbDef = rc.api.registry.byResource('policy', 'v1', 'poddisruptionbudgets');
  const pods = rc.api.objects(rc.def);
  // Admission sees the Eviction (CREATE pods/eviction) with the pod as the old object, so
  // NodeRestriction can tell whether a node evicts its own pod.
  const first = await pods.mustGet(rc.info.namespace, rc.info.name!);
  await admit(rc, 'CREATE', { apiVersion: 'policy/v1', kind: 'Eviction', ...eviction } as KObject, first.obj, dryRun);

  const pinned = opts.preconditions?.resourceVersion !== undefined && opts.preconditions.resourceVersion !== '';
  let pod = first.obj as Pod;
  // Pods the budget does not guard are deleted directly; retried while the pod changes under us.
  for (let attempt = 0; ; attempt++) {
    if (attempt > 0) pod = (await pods.mustGet(rc.info.namespace, rc.info.name!)).obj as Pod;
    if (!canIgnoreBudget(pod)) break;
    let options = opts;
    if (shouldPinVersion(pod) && !pinned) options = { ...opts, preconditions: { ...opts.preconditions, resourceVersion: pod.metadata?.resourceVersion } };
    try {
      await markAndDelete(rc, options, dryRun);
      return sendJson(rc.res, 201, created());
    } catch (e) {
      if ((e as { reason?: string }).reason === 'Conflict' && !pinned && attempt < RETRIES) continue;
      throw e;
    }
  }

  let pinToPod = false;
  let budgetName = '';
  if (pdbDef) {
    const budgets = await budgetsFor(rc, pdbDef, pod);
    if (budgets.length > 1) {
      return sendJson(rc.res, 500, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.', code: 500 });
    }
    const budget = budgets[0];
    if (budget) {
      budgetName = budget.obj.metadata?.name ?? '';
      const spec = budget.obj.spec ?? {};
      const status = budget.obj.status;
      let spend = true;
      if (!isReady(pod)) {
        // An unready pod counts for nothing: deleting it disrupts the application no further while
        // the budget holds (IfHealthyBudget), or always (AlwaysAllow).
        if (spec.unhealthyPodEvictionPolicy === 'AlwaysAllow') spend = false;
        else if (status && status.currentHealthy >= status.desiredHealthy && status.desiredHealthy > 0) spend = false;
      }
      if (spend) await checkAndDecrement(rc, pdbDef, budget, pod.metadata?.name ?? '', dryRun);
      else pinToPod = true;
    }
  }
  let options = opts;
  // An unready pod deleted without spending the budget must still be the pod we looked at (not one that became ready since).
  if (pinToPod && !pinned) options = { ...opts, preconditions: { ...opts.preconditions, resourceVersion: pod.metadata?.resourceVersion } };
  try {
    await markAndDelete(rc, options, dryRun);
  } catch (e) {
    if ((e as { reason?: string }).reason === 'Conflict' && pinToPod && !pinned) throw tooManyRequests(`The disruption budget ${budgetName} is still being processed by the server.`);
    throw e;
  }
  sendJson(rc.res, 201, created());
}
