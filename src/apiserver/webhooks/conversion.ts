// CustomResourceDefinition conversion through a webhook: a ConversionReview (apiextensions.k8s.io/v1,
// or v1beta1 for a webhook that lists only that)
// with the objects to convert, sent with the same client as admission webhooks (client.ts), and the
// answer checked as Kubernetes checks it: the uid echoed, a Success result, as many objects as sent,
// each in the desired apiVersion, with the same kind; metadata other than labels and annotations is
// restored from the original, as Kubernetes does.

import { randomUUID } from 'node:crypto';
import type { KObject } from '../../api/kind.js';
import type { ConversionReviewVersion } from '../../api/crd/conversion-review.js';
import { callWebhook, type ServiceResolver, type WebhookClientConfig } from './client.js';

/** Kubernetes' default conversion webhook timeout. */
export const CONVERSION_TIMEOUT_SECONDS = 30;
/**
 * The Service resolver used when convertViaWebhook is not given one: set by the API server that
 * installs webhook admission (install.ts), so the CRD code need not carry one around.
 */
let defaultResolver: ServiceResolver | undefined;
export function setConversionServiceResolver(r: ServiceResolver | undefined) {
  defaultResolver = r;
}

export class ConversionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConversionError';
  }
}

const rec = (v: unknown): Record<string, unknown> | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);

/**
 * Metadata a conversion may change: labels and annotations. Other changes are ignored (the original
 * metadata restored), as Kubernetes' restoreObjectMeta does; labels and annotations must be string maps.
 */
function restoreMetadata(i: number, sent: KObject, got: KObject): KObject {
  const meta = rec(got.metadata) ?? {};
  const out = { ...(sent.metadata ?? {}) };
  for (const k of ['labels', 'annotations'] as const) {
    const v = meta[k];
    if (v === undefined || v === null) delete out[k];
    else if (!rec(v) || Object.values(v as object).some((x) => typeof x !== 'string')) throw new ConversionError(`invalid metadata of object at index ${i}: metadata.${k} must be a map of strings`);
    else out[k] = v as Record<string, string>;
  }
  return { ...got, metadata: out };
}

/**
 * Converts `objects` to `desiredAPIVersion` with the webhook of `clientConfig`. The objects keep
 * their order. Throws ConversionError (message as Kubernetes': "conversion webhook for <gv> failed: ...").
 * `resolve` finds a Service's endpoint (service-resolver.ts); needed only for the service form, and by
 * default the one of the API server in this process.
 */
export async function convertViaWebhook(clientConfig: WebhookClientConfig, objects: KObject[], desiredAPIVersion: string, opts: { resolve?: ServiceResolver; timeoutSeconds?: number; reviewVersion?: ConversionReviewVersion } = {}): Promise<KObject[]> {
  if (objects.length === 0) return [];
  const { resolve, timeoutSeconds = CONVERSION_TIMEOUT_SECONDS, reviewVersion = 'v1' } = opts;
  const uid = randomUUID();
  const fail = (why: string) => new ConversionError(`conversion webhook for ${objects[0].apiVersion ?? ''}, Kind=${objects[0].kind ?? ''} failed: ${why}`);
  const reviewApiVersion = `apiextensions.k8s.io/${reviewVersion}`;
  const review = { apiVersion: reviewApiVersion, kind: 'ConversionReview', request: { uid, desiredAPIVersion, objects } };
  let answer: unknown;
  try {
    answer = await callWebhook(clientConfig, resolve ?? defaultResolver, review, timeoutSeconds);
  } catch (e) {
    throw fail((e as Error).message);
  }
  const body = rec(answer);
  if (body?.apiVersion !== reviewApiVersion || body.kind !== 'ConversionReview') throw fail(`expected webhook response of ${reviewApiVersion}, Kind=ConversionReview, got ${String(body?.apiVersion ?? '')}, Kind=${String(body?.kind ?? '')}`);
  const response = rec(body.response);
  if (!response) throw fail('no response provided');
  if (response.uid !== uid) throw fail(`expected response.uid=${JSON.stringify(uid)}, got ${JSON.stringify(response.uid ?? '')}`);
  const result = rec(response.result);
  if (result?.status !== 'Success') {
    const msg = typeof result?.message === 'string' ? result.message.slice(0, 4096) : '';
    throw fail(`conversion request failed: ${msg || 'no message'}`);
  }
  const converted = response.convertedObjects;
  if (!Array.isArray(converted) || converted.length !== objects.length) throw fail(`expected ${objects.length} converted objects, got ${Array.isArray(converted) ? converted.length : 0}`);
  return converted.map((c, i) => {
    const got = rec(c) as KObject | undefined;
    if (!got) throw fail(`converted object at index ${i} is not an object`);
    if (got.apiVersion !== desiredAPIVersion) throw fail(`invalid converted object at index ${i}: invalid apiVersion ${JSON.stringify(got.apiVersion ?? '')}, expected ${JSON.stringify(desiredAPIVersion)}`);
    if (got.kind !== objects[i].kind) throw fail(`invalid converted object at index ${i}: invalid kind ${JSON.stringify(got.kind ?? '')}, expected ${JSON.stringify(objects[i].kind ?? '')}`);
    try {
      return restoreMetadata(i, objects[i], got);
    } catch (e) {
      throw fail((e as Error).message);
    }
  });
}
