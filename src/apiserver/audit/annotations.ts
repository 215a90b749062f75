// Audit annotations added while a request is handled (admission webhooks' auditAnnotations, their
// patches, webhooks that failed open; admission policies' Audit actions), keyed by the request
// itself so that admission code needs no handle on the audit recorder: the recorder merges them
// into the request's events (recorder.ts).

import type { IncomingMessage } from 'node:http';

const byRequest = new WeakMap<IncomingMessage, Record<string, string>>();

/** Most annotations one request may gather; more are dropped (each is also cut to a bounded size). */
const MAX_ANNOTATIONS = 128;
const MAX_KEY = 317;
const MAX_VALUE = 10_240;

export function addAuditAnnotation(req: IncomingMessage, key: string, value: string) {
  let m = byRequest.get(req);
  if (!m) byRequest.set(req, (m = {}));
  if (!(key in m) && Object.keys(m).length >= MAX_ANNOTATIONS) return;
  m[key.slice(0, MAX_KEY)] = value.slice(0, MAX_VALUE);
}

export function auditAnnotationsFor(req: IncomingMessage): Record<string, string> | undefined {
  return byRequest.get(req);
}
