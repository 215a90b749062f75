// The core/v1 Event as the recorder builds it, and the clock every correlator part reads (so unit
// tests can drive time by hand).

import { rfc3339 } from '../../util/time.js';

export interface CoreEvent {
  apiVersion: 'v1';
  kind: 'Event';
  metadata: { name: string; namespace: string; resourceVersion?: string };
  involvedObject: { kind?: string; namespace?: string; name?: string; uid?: string; apiVersion?: string; resourceVersion?: string; fieldPath?: string };
  reason: string;
  message: string;
  type: string;
  source: { component: string; host?: string };
  firstTimestamp: string;
  lastTimestamp: string;
  count: number;
  reportingComponent: string;
  reportingInstance: string;
}

/** Milliseconds since the epoch. */
export type Clock = () => number;

/** Event timestamps are metav1.Time: RFC 3339 in whole seconds. */
export const eventTime = (ms: number) => rfc3339(ms);

/** Who reported the event about which object: shared by the aggregation and spam keys. */
export function sourceAndObject(e: CoreEvent): string[] {
  const o = e.involvedObject;
  return [e.source.component, e.source.host ?? '', o.kind ?? '', o.namespace ?? '', o.name ?? '', o.uid ?? '', o.apiVersion ?? ''];
}
