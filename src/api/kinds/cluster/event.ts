// core/v1 Event and events.k8s.io/v1 Event: what happened to an object, for `kubectl describe` and
// `kubectl get events`. Served as two resources of their own for now.

import type { KindDef } from '../../kind.js';
import { kindSchema } from '../../meta.js';
import { enumOf, int32, str, struct, time } from '../../schema.js';
import { age } from '../../table.js';
import { objectReference } from './refs.js';

const eventSource = struct('io.k8s.api.core.v1.EventSource', 'The component and host reporting an event.', {
  component: str('Component that reported it.'),
  host: str('Node name where it was generated.'),
});

const microTime = (d: string) => ({ type: 'string' as const, format: 'date-time' as const, description: d });

const series = (name: string) =>
  struct(name, 'Data about a series of repeated events.', {
    count: int32('Number of occurrences in this series up to the last heartbeat.'),
    lastObservedTime: microTime('When the last occurrence was observed.'),
  });

type Ev = {
  involvedObject?: { kind?: string; name?: string; namespace?: string; uid?: string; apiVersion?: string; resourceVersion?: string; fieldPath?: string };
  lastTimestamp?: string;
  eventTime?: string;
  firstTimestamp?: string;
  metadata?: { creationTimestamp?: string };
  count?: number;
  series?: { count?: number };
};

/** "LAST SEEN" as kubectl shows it: since the last occurrence, "(x3 over 5m)" when repeated. */
function lastSeen(o: Ev): string {
  const last = o.lastTimestamp ?? o.eventTime ?? o.metadata?.creationTimestamp;
  const count = o.series?.count ?? o.count ?? 1;
  const first = o.firstTimestamp ?? o.eventTime;
  const base = age(last);
  return count > 1 && first ? `${base} (x${count} over ${age(first)})` : base;
}

export const coreEvent: KindDef = {
  group: '',
  version: 'v1',
  kind: 'Event',
  plural: 'events',
  singular: 'event',
  namespaced: true,
  shortNames: ['ev'],
  schema: kindSchema(
    'io.k8s.api.core.v1.Event',
    'A report of something that happened to an object.',
    {
      involvedObject: objectReference,
      reason: str('Short machine-readable reason, in CamelCase.'),
      message: str('Human-readable description.'),
      source: eventSource,
      firstTimestamp: time('First time it was recorded.'),
      lastTimestamp: time('Last time it was recorded.'),
      count: int32('How many times it occurred.'),
      type: str('Normal or Warning.'),
      eventTime: microTime('When it was first observed (microsecond precision).'),
      series: series('io.k8s.api.core.v1.EventSeries'),
      action: str('What action was taken or failed.'),
      related: objectReference,
      reportingComponent: str('Name of the controller that emitted it, e.g. kubernetes.io/kubelet.'),
      reportingInstance: str('ID of the controller instance.'),
    },
    { required: ['metadata', 'involvedObject'] },
  ),
  printerColumns: [
    { name: 'Last Seen', type: 'string', description: 'Time since the last occurrence.', cell: (o) => lastSeen(o as Ev) },
    { name: 'Type', type: 'string', description: 'Normal or Warning.', cell: (o) => (o.type as string) ?? '' },
    { name: 'Reason', type: 'string', description: 'Why it happened.', cell: (o) => (o.reason as string) ?? '' },
    {
      name: 'Object',
      type: 'string',
      description: 'The object it is about.',
      cell: (o) => {
        const i = (o as Ev).involvedObject;
        return i ? `${(i.kind ?? '').toLowerCase()}/${i.name ?? ''}` : '';
      },
    },
    { name: 'Message', type: 'string', description: 'What happened.', cell: (o) => (o.message as string) ?? '' },
    { name: 'Name', type: 'string', priority: 1, description: 'Name of the event.', cell: (o) => o.metadata?.name },
  ],
  fieldSelectors: {
    'involvedObject.kind': (o) => (o as Ev).involvedObject?.kind,
    'involvedObject.namespace': (o) => (o as Ev).involvedObject?.namespace,
    'involvedObject.name': (o) => (o as Ev).involvedObject?.name,
    'involvedObject.uid': (o) => (o as Ev).involvedObject?.uid,
    'involvedObject.apiVersion': (o) => (o as Ev).involvedObject?.apiVersion,
    'involvedObject.resourceVersion': (o) => (o as Ev).involvedObject?.resourceVersion,
    'involvedObject.fieldPath': (o) => (o as Ev).involvedObject?.fieldPath,
    reason: (o) => o.reason as string | undefined,
    reportingComponent: (o) => o.reportingComponent as string | undefined,
    source: (o) => (o.source as { component?: string } | undefined)?.component,
    type: (o) => o.type as string | undefined,
  },
};

export const eventsV1Event: KindDef = {
  group: 'events.k8s.io',
  version: 'v1',
  kind: 'Event',
  plural: 'events',
  singular: 'event',
  namespaced: true,
  shortNames: ['ev'],
  schema: kindSchema(
    'io.k8s.api.events.v1.Event',
    'A report of something that happened to an object.',
    {
      eventTime: microTime('When it was first observed.'),
      series: series('io.k8s.api.events.v1.EventSeries'),
      reportingController: str('Name of the controller that emitted it.'),
      reportingInstance: str('ID of the controller instance.'),
      action: str('What action was taken or failed.'),
      reason: str('Why the action was taken.'),
      regarding: objectReference,
      related: objectReference,
      note: str('Human-readable description.'),
      type: enumOf(['Normal', 'Warning'], 'Normal or Warning.'),
      deprecatedSource: eventSource,
      deprecatedFirstTimestamp: time('Deprecated first-seen time.'),
      deprecatedLastTimestamp: time('Deprecated last-seen time.'),
      deprecatedCount: int32('Deprecated count.'),
    },
    { required: ['eventTime'] },
  ),
  printerColumns: [
    { name: 'Last Seen', type: 'string', cell: (o) => age((o.deprecatedLastTimestamp as string) ?? (o.eventTime as string)) },
    { name: 'Type', type: 'string', cell: (o) => (o.type as string) ?? '' },
    { name: 'Reason', type: 'string', cell: (o) => (o.reason as string) ?? '' },
    {
      name: 'Object',
      type: 'string',
      cell: (o) => {
        const r = o.regarding as { kind?: string; name?: string } | undefined;
        return r ? `${(r.kind ?? '').toLowerCase()}/${r.name ?? ''}` : '';
      },
    },
    { name: 'Message', type: 'string', cell: (o) => (o.note as string) ?? '' },
  ],
  fieldSelectors: {
    'regarding.kind': (o) => (o.regarding as { kind?: string } | undefined)?.kind,
    'regarding.name': (o) => (o.regarding as { name?: string } | undefined)?.name,
    'regarding.namespace': (o) => (o.regarding as { namespace?: string } | undefined)?.namespace,
    'regarding.uid': (o) => (o.regarding as { uid?: string } | undefined)?.uid,
    reason: (o) => o.reason as string | undefined,
    type: (o) => o.type as string | undefined,
  },
};
