// A webhook's Service resolved to one of its ready endpoints, as kube-apiserver's endpoint service
// resolver does (the API server does not route through cluster IPs here): the same resolution the
// aggregator uses (services/resolve-endpoint.ts), its failures worded for a webhook call.

import type { ApiState } from '../context.js';
import { ResolveError, resolveService } from '../services/resolve-endpoint.js';
import { type ServiceResolver, WebhookCallError } from './client.js';

export function storageServiceResolver(state: ApiState): ServiceResolver {
  return async (ref) => {
    try {
      const { host, port } = await resolveService(state, ref);
      return { host, port };
    } catch (e) {
      if (!(e instanceof ResolveError)) throw e;
      const what = `service "${ref.name}" in namespace "${ref.namespace}"`;
      const port = ref.port ?? 443;
      const message = e.reason === 'ServiceNotFound' ? `${what} not found` : e.reason === 'ServicePortError' ? `${what} has no port ${port}` : `${what} has no ready endpoints for port ${port}`;
      throw new WebhookCallError(message);
    }
  };
}
