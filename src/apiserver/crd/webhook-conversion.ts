// The conversion webhook call a CRD's KindDefs make (spec.conversion.strategy Webhook): the API
// server's ConversionReview client with that server's Service resolver (a Service's ready
// EndpointSlice address, as admission webhooks and the aggregator resolve theirs), failures as
// Kubernetes answers them (500 InternalError, "conversion webhook for <gvk> failed: ...").

import { internalError } from '../../api/errors.js';
import type { KObject } from '../../api/kind.js';
import type { ServiceResolver, WebhookClientConfig } from '../webhooks/client.js';
import type { ConversionReviewVersion } from '../../api/crd/conversion-review.js';
import { convertViaWebhook } from '../webhooks/conversion.js';

export async function convertThroughWebhook(clientConfig: Record<string, unknown>, objects: KObject[], desiredAPIVersion: string, reviewVersion: ConversionReviewVersion, resolve?: ServiceResolver): Promise<KObject[]> {
  try {
    return await convertViaWebhook(clientConfig as WebhookClientConfig, objects, desiredAPIVersion, { resolve, reviewVersion });
  } catch (e) {
    throw internalError(e);
  }
}
