// The ResourceQuota admission plugin: every create (and the updates that change usage) in a
// namespace with quotas is checked against each quota that tracks it (api/quota/check.ts), and
// refused with Kubernetes' 403 message when it would exceed one. The charge is stored in the quota's
// status.used before the object is, with an optimistic update at the quota's resourceVersion: of two
// concurrent creates against a nearly full quota, the second one's update conflicts, and it is
// checked again against the quota as the first one left it. Only the quotas not yet charged are
// retried, a bounded number of times. Dry runs are checked but not charged. The quota controller
// corrects usage later (releases, objects whose store write failed after the charge).

import { ApiError, conflict, forbidden } from '../../api/errors.js';
import type { KObject } from '../../api/kind.js';
import { checkQuotaRequest } from '../../api/quota/check.js';
import { QUOTA_IGNORED } from '../../api/quota/names.js';
import { handles } from '../../api/quota/usage.js';
import type { Objects } from '../storage/objects.js';
import type { AdmissionPlugin } from './chain.js';
import type { NamespacedCache } from './namespaced-cache.js';

/** Attempts at charging the quotas before giving up with a conflict (Kubernetes retries a few times too). */
export const QUOTA_CHARGE_ATTEMPTS = 10;

const nameOf = (o: KObject | undefined) => o?.metadata?.name || o?.metadata?.generateName || '';

export function resourceQuotaPlugin(quotas: NamespacedCache, objects: () => Objects | undefined): AdmissionPlugin {
  return {
    name: 'ResourceQuota',
    handles: (a) => {
      if (a.subresource !== '' || !a.obj || !a.rc.def.namespaced) return false;
      if (a.operation !== 'CREATE' && a.operation !== 'UPDATE') return false;
      const gr = { group: a.rc.def.group, resource: a.rc.def.plural };
      return !QUOTA_IGNORED.has(`${gr.group}/${gr.resource}`) && handles(gr, a.operation, a.obj, a.old);
    },
    validate: async (a) => {
      const obj = a.obj!;
      const namespace = obj.metadata?.namespace ?? a.rc.info.namespace ?? '';
      const gr = { group: a.rc.def.group, resource: a.rc.def.plural };
      let current = await quotas.list(namespace);
      if (current.length === 0) return;
      // A create that will fail as AlreadyExists is not charged (Kubernetes would charge it until its
      // controller's next recount): kubectl create of an existing name must not eat the quota.
      const name = obj.metadata?.name;
      if (a.operation === 'CREATE' && name && (await a.rc.api.objects(a.rc.def).get(namespace, name))) return;
      const store = objects();
      const charged = new Set<string>();
      for (let attempt = 0; attempt < QUOTA_CHARGE_ATTEMPTS; attempt++) {
        const pending = current.filter((q) => !charged.has(q.metadata?.name ?? ''));
        const decision = checkQuotaRequest(pending, { gr, operation: a.operation, obj, old: a.old });
        if ('refused' in decision) throw forbidden({ group: gr.group, resource: gr.resource }, nameOf(obj), decision.refused);
        if (a.dryRun || !store) return;
        let conflicted = false;
        for (const { quota, used } of decision.charges) {
          const next = { ...quota, status: { ...((quota.status as object) ?? {}), used } };
          try {
            quotas.wrote(await store.update(next, Number(quota.metadata?.resourceVersion ?? 0)));
            charged.add(quota.metadata?.name ?? '');
          } catch (e) {
            if (!(e instanceof ApiError) || (e.reason !== 'Conflict' && e.reason !== 'NotFound')) throw e;
            conflicted = true;
          }
        }
        if (!conflicted) return;
        // Someone charged (or changed) a quota meanwhile: read them again from the store, not the cache.
        current = (await store.list(namespace)).items;
      }
      throw conflict({ group: '', resource: 'resourcequotas' }, namespace, 'too many concurrent changes to the quotas of this namespace; please try again');
    },
  };
}
