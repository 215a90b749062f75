// Kubernetes' RuntimeClass admission plugin, for pods being created: a pod naming a RuntimeClass
// that does not exist is refused (403, "pod rejected: RuntimeClass "x" not found"); the class's
// overhead is set on the pod (a different overhead already set is refused), its scheduling
// nodeSelector is merged into the pod's (a conflicting value is refused) and its tolerations merged
// with the pod's. Validation then refuses a pod whose overhead does not match its class's, or that
// sets one without a class that defines it.

import { forbidden } from '../../api/errors.js';
import type { PodSpec as CorePodSpec } from '../../api/core/index.js';
import type { KObject } from '../../api/kind.js';
import type { RuntimeClass } from '../../api/kinds/node/index.js';
import type { Toleration } from '../../api/scheduling/tolerations.js';
import type { ApiState } from '../context.js';
import type { AdmissionPlugin, AdmissionRequest } from './chain.js';
import { mergeNodeSelector, mergeTolerations, sameResources } from './runtime-class-merge.js';

/** What the plugin reads and writes of a pod's spec. */
type PodSpec = Pick<CorePodSpec, 'runtimeClassName' | 'overhead' | 'nodeSelector' | 'tolerations'>;

const specOf = (obj: KObject | undefined): PodSpec => (obj?.spec && typeof obj.spec === 'object' ? obj.spec : {}) as PodSpec;
const refuse = (a: AdmissionRequest, why: string) => forbidden({ group: '', resource: 'pods' }, a.obj?.metadata?.name ?? '', why);

async function classOf(state: ApiState, a: AdmissionRequest): Promise<RuntimeClass | undefined> {
  const name = specOf(a.obj).runtimeClassName;
  if (typeof name !== 'string' || name === '') return undefined;
  const def = state.registry.byResource('node.k8s.io', 'v1', 'runtimeclasses');
  const found = def ? (await state.objects(def).get(undefined, name))?.obj : undefined;
  if (!found) throw refuse(a, `pod rejected: RuntimeClass ${JSON.stringify(name)} not found`);
  return found as RuntimeClass;
}

export function runtimeClassAdmission(state: ApiState): AdmissionPlugin {
  return {
    name: 'RuntimeClass',
    handles: (a) => a.operation === 'CREATE' && a.subresource === '' && a.rc.def.group === '' && a.rc.def.plural === 'pods',
    async mutate(a) {
      const rc = await classOf(state, a);
      if (!rc || !a.obj) return;
      const spec = specOf(a.obj);
      const podFixed = rc.overhead?.podFixed;
      if (podFixed) {
        if (spec.overhead && Object.keys(spec.overhead).length > 0 && !sameResources(podFixed, spec.overhead)) throw refuse(a, "pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead");
        spec.overhead = { ...podFixed };
      }
      if (rc.scheduling) {
        const merged = mergeNodeSelector(spec.nodeSelector, rc.scheduling.nodeSelector);
        if (merged.conflict) throw refuse(a, merged.conflict);
        if (merged.selector) spec.nodeSelector = merged.selector;
        const tolerations = mergeTolerations(spec.tolerations, (rc.scheduling.tolerations ?? []) as Toleration[]);
        if (tolerations.length) spec.tolerations = tolerations;
      }
      a.obj.spec = spec;
    },
    async validate(a) {
      const rc = await classOf(state, a);
      const overhead = specOf(a.obj).overhead;
      if (rc?.overhead?.podFixed) {
        if (!sameResources(rc.overhead.podFixed, overhead ?? undefined)) throw refuse(a, "pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead");
      } else if (overhead !== undefined && overhead !== null) {
        throw refuse(a, 'pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead');
      }
    },
  };
}
