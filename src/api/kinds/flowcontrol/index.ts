// flowcontrol.apiserver.k8s.io v1 (storage) and v1beta3 FlowSchema and PriorityLevelConfiguration.
// The objects are stored and served; API Priority and Fairness itself (queuing requests by them) is
// not enforced by this server.

import type { KindConversion, KindDef, KObject } from '../../kind.js';
import { age } from '../../table.js';
import { flowcontrolSchemas } from './schema.js';
import { defaultFlowSchema, defaultPriorityLevel, PRESERVE_ZERO_ANNOTATION, validateFlowSchema, validatePriorityLevel } from './validation.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const GROUP = 'flowcontrol.apiserver.k8s.io';
/** A cell's text for any stored value (scalars as they are, anything else as JSON). */
const text = (v: unknown): string => (v === undefined || v === null ? '' : typeof v === 'object' ? (JSON.stringify(v) ?? '') : String(v));

/**
 * v1 <-> v1beta3: the same fields. v1beta3's nominalConcurrencyShares was not a pointer, so a zero
 * meant "default"; a deliberate zero travels to v1beta3 with Kubernetes' preserve-zero annotation.
 */
function convert(o: KObject, toVersion: string): KObject {
  const out = structuredClone(o);
  out.apiVersion = `${GROUP}/${toVersion}`;
  if (o.kind !== 'PriorityLevelConfiguration') return out;
  const limited = isObj(out.spec) && isObj(out.spec.limited) ? out.spec.limited : undefined;
  const meta = (out.metadata ??= {});
  if (toVersion === 'v1beta3' && limited?.nominalConcurrencyShares === 0) meta.annotations = { ...(meta.annotations ?? {}), [PRESERVE_ZERO_ANNOTATION]: 'true' };
  if (toVersion === 'v1' && meta.annotations?.[PRESERVE_ZERO_ANNOTATION] !== undefined) {
    const { [PRESERVE_ZERO_ANNOTATION]: _z, ...rest } = meta.annotations;
    if (Object.keys(rest).length > 0) meta.annotations = rest;
    else delete meta.annotations;
  }
  return out;
}

export const flowcontrolConversion: KindConversion = { storageVersion: 'v1', convert };

const spec = (o: KObject): Obj => (isObj(o.spec) ? o.spec : {});

function flowSchema(version: string, schema: KindDef['schema']): KindDef {
  return {
    group: GROUP,
    version,
    kind: 'FlowSchema',
    plural: 'flowschemas',
    singular: 'flowschema',
    namespaced: false,
    schema,
    subresources: { status: true },
    hasGeneration: true,
    conversion: flowcontrolConversion,
    printerColumns: [
      { name: 'PriorityLevel', type: 'string', description: 'The priority level requests of this schema are served at.', cell: (o) => text((spec(o).priorityLevelConfiguration as Obj | undefined)?.name) },
      { name: 'MatchingPrecedence', type: 'string', description: 'Lower values match first.', cell: (o) => text(spec(o).matchingPrecedence) },
      { name: 'DistinguisherMethod', type: 'string', description: 'How flows are told apart.', cell: (o) => (isObj(spec(o).distinguisherMethod) ? text((spec(o).distinguisherMethod as Obj).type) : '<none>') },
      { name: 'Age', type: 'string', description: 'Time since the object was created.', cell: (o) => ageOf(o) },
      {
        name: 'MissingPL',
        type: 'string',
        description: 'Whether the referenced priority level is missing (the Dangling condition).',
        cell: (o) => {
          const conds = isObj(o.status) && Array.isArray(o.status.conditions) ? (o.status.conditions as Obj[]) : [];
          const c = conds.find((x) => isObj(x) && x.type === 'Dangling');
          return c ? text(c.status) : '?';
        },
      },
    ],
    default: defaultFlowSchema,
    validate: (o) => validateFlowSchema(o),
  };
}

function priorityLevel(version: string, schema: KindDef['schema']): KindDef {
  const queuing = (o: KObject) => {
    const l = spec(o).limited;
    return isObj(l) && isObj(l.limitResponse) && isObj(l.limitResponse.queuing) ? (l.limitResponse.queuing as Obj) : undefined;
  };
  return {
    group: GROUP,
    version,
    kind: 'PriorityLevelConfiguration',
    plural: 'prioritylevelconfigurations',
    singular: 'prioritylevelconfiguration',
    namespaced: false,
    schema,
    subresources: { status: true },
    hasGeneration: true,
    conversion: flowcontrolConversion,
    printerColumns: [
      { name: 'Type', type: 'string', description: 'Exempt or Limited.', cell: (o) => text(spec(o).type) },
      { name: 'NominalConcurrencyShares', type: 'string', description: "The level's share of the server's concurrency.", cell: (o) => (isObj(spec(o).limited) ? text((spec(o).limited as Obj).nominalConcurrencyShares) : '<none>') },
      { name: 'Queues', type: 'string', description: 'Number of queues.', cell: (o) => text(queuing(o)?.queues ?? '<none>') },
      { name: 'HandSize', type: 'string', description: 'Queues a request may be assigned to.', cell: (o) => text(queuing(o)?.handSize ?? '<none>') },
      { name: 'QueueLengthLimit', type: 'string', description: 'Requests that may wait in one queue.', cell: (o) => text(queuing(o)?.queueLengthLimit ?? '<none>') },
    ],
    default: (o) => defaultPriorityLevel(o, version === 'v1beta3'),
    validate: (o) => validatePriorityLevel(o),
  };
}

const ageOf = (o: KObject) => age(o.metadata?.creationTimestamp);

const v1 = flowcontrolSchemas('v1');
const v1beta3 = flowcontrolSchemas('v1beta3');

export const flowcontrolKinds: KindDef[] = [flowSchema('v1', v1.flowSchema), priorityLevel('v1', v1.priorityLevel), flowSchema('v1beta3', v1beta3.flowSchema), priorityLevel('v1beta3', v1beta3.priorityLevel)];
