// core/v1 Pod: the unit of scheduling. Its spec is mostly fixed once created; status is written by
// the scheduler (binding) and the node agent through the status subresource.

import type { PodSpec } from '../../core/index.js';
import type { FieldError, KindDef, KObject } from '../../kind.js';
import { kindSchema } from '../../meta.js';
import { isObj, str } from './checks.js';
import { ageColumn, nameColumn } from './columns.js';
import { defaultPod } from './pod-defaults.js';
import { orNone, podIPCell, readinessGatesCell, summarizePod } from './pod-printing.js';
import { podSpec } from './pod-spec.js';
import { initialPodStatus, podStatus } from './pod-status.js';
import { mirrorAppArmor } from './apparmor.js';
import { dropDisabledPodSpecFields } from './disabled-fields.js';
import { podWarnings } from './pod-warnings.js';
import { podCreateValidationSteps, podSpecValidationSteps, validatePodUpdate } from './pod-validation.js';

export const podSchema = kindSchema('io.k8s.api.core.v1.Pod', 'A group of containers that run together on one node, sharing network and volumes.', {
  spec: podSpec,
  status: podStatus,
});

const spec = (o: KObject) => (isObj(o.spec) ? o.spec : {});
const status = (o: KObject) => (isObj(o.status) ? o.status : {});

/** A pod's rules beyond its schema as passes of a few milliseconds each: its spec's rules a few
 *  hundred containers at a time, then the create or update rules. */
const podValidationParts = (obj: KObject, old?: KObject): (() => FieldError[])[] => (old ? [...podSpecValidationSteps(obj.spec, 'spec', { isPod: true }), () => validatePodUpdate(obj, old)] : podCreateValidationSteps(obj));

export const pod: KindDef = {
  group: '',
  version: 'v1',
  kind: 'Pod',
  plural: 'pods',
  singular: 'pod',
  namespaced: true,
  shortNames: ['po'],
  categories: ['all'],
  schema: podSchema,
  subresources: { status: true, other: ['log', 'exec', 'attach', 'portforward', 'binding', 'eviction', 'ephemeralcontainers'] },
  hasGeneration: true,
  printerColumns: [
    nameColumn,
    { name: 'Ready', type: 'string', description: 'Ready containers out of all containers.', cell: (o) => summarizePod(o).ready },
    { name: 'Status', type: 'string', description: 'The aggregate status of the containers in this pod.', cell: (o) => summarizePod(o).status },
    { name: 'Restarts', type: 'string', description: 'Container restarts, and how long ago the last one was.', cell: (o) => summarizePod(o).restarts },
    ageColumn,
    { name: 'IP', type: 'string', priority: 1, description: 'IP address of the pod.', cell: podIPCell },
    { name: 'Node', type: 'string', priority: 1, description: 'Node the pod runs on.', cell: (o) => orNone(spec(o).nodeName) },
    { name: 'Nominated Node', type: 'string', priority: 1, description: 'Node the pod should run on after preemption.', cell: (o) => orNone(status(o).nominatedNodeName) },
    { name: 'Readiness Gates', type: 'string', priority: 1, description: 'Readiness gates that are True out of all gates.', cell: readinessGatesCell },
  ],
  fieldSelectors: {
    'spec.nodeName': (o) => str(spec(o).nodeName),
    'spec.restartPolicy': (o) => str(spec(o).restartPolicy),
    'spec.schedulerName': (o) => str(spec(o).schedulerName),
    'spec.serviceAccountName': (o) => str(spec(o).serviceAccountName),
    'spec.hostNetwork': (o) => String(spec(o).hostNetwork === true),
    'status.phase': (o) => str(status(o).phase),
    'status.podIP': (o) => str(status(o).podIP),
    'status.nominatedNodeName': (o) => str(status(o).nominatedNodeName),
  },
  default: defaultPod,
  // A pod on a node stops gracefully: its agent kills it within the grace period, then removes it
  // (grace 0). One never scheduled has nothing to stop.
  deletionGracePeriod: (o, requested) => (spec(o).nodeName ? (requested ?? (spec(o) as PodSpec).terminationGracePeriodSeconds ?? 30) : 0),
  holdsDeletion: (o) => !!spec(o).nodeName && (o.metadata?.deletionGracePeriodSeconds ?? 0) > 0,
  // Kubernetes' PrepareForCreate: fields behind disabled gates dropped, AppArmor annotations and fields mirrored.
  prepareCreate: (o, warnings) => {
    dropDisabledPodSpecFields(o.spec);
    mirrorAppArmor(o, warnings);
  },
  prepareUpdate: (o, old) => dropDisabledPodSpecFields(o.spec, old.spec),
  // Warnings on create only: pod updates are machine writes (Kubernetes skips them too).
  warnings: (o, old) => (old ? [] : podWarnings(o)),
  // As Kubernetes' pod strategy: every new pod is Pending until the scheduler and a node move it on;
  // one held back by scheduling gates says so in its PodScheduled condition.
  initialStatus: initialPodStatus,
  validate: (obj, old) => podValidationParts(obj, old).flatMap((part) => part()),
  validateParts: (obj, old) => podValidationParts(obj, old),
};
