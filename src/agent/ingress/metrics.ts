// The ingress controller's Prometheus metrics, on the agent's /metrics. Hosts are the rules' hosts
// ("_" for none), never the client's Host header: a client cannot grow the label set.

import { metrics } from '../../util/metrics.js';

let made: ReturnType<typeof make> | undefined;

function make() {
  return {
    requests: metrics.counter('gifee_ingress_requests_total', 'Requests through the ingress controller, by rule host and status.'),
    duration: metrics.histogram('gifee_ingress_request_duration_seconds', 'Time from a request to the end of its response through the ingress controller, by rule host.', [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]),
    upstreamErrors: metrics.counter('gifee_ingress_upstream_errors_total', 'Failed attempts to reach a pod (refused, reset, timed out), by rule host and error.'),
  };
}

/** Registered once per process (several agents in one test process share them). */
export function ingressMetrics() {
  made ??= make();
  return made;
}
