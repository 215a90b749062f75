// client-go's REST client metrics (rest_client_*), with its names, labels and buckets: every
// component's calls to the API server by status code, method and host, and their latency by verb.

import { metrics } from '../util/metrics.js';

const requests = metrics.counter('rest_client_requests_total', 'Requests this process sent to API servers, by status code (or <error> when none came back), method and host.');
const duration = metrics.histogram('rest_client_request_duration_seconds', 'Seconds from sending a request to an API server until its response headers arrived, by verb and host.', [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60]);

/** host:port of a server URL, as client-go labels it (no scheme, no path). */
export function hostOf(server: string): string {
  try {
    return new URL(server).host;
  } catch {
    return '';
  }
}

/** Record one request: its status code (undefined: no response) and its start (process.hrtime.bigint()). */
export function recordRestRequest(host: string, method: string, code: number | undefined, start: bigint) {
  requests.inc({ code: code === undefined ? '<error>' : String(code), host, method });
  duration.observe(Number(process.hrtime.bigint() - start) / 1e9, { host, verb: method });
}
