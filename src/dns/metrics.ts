// Cluster DNS metrics on the process-wide registry (served at /metrics): queries by type, rcode and
// transport, how long answering took, and forwarding failures.

import { metrics } from '../util/metrics.js';

export const dnsQueries = metrics.counter('gifee_dns_queries_total', 'DNS queries answered, by question type, response code and transport.');
export const dnsDuration = metrics.histogram('gifee_dns_request_duration_seconds', 'Time from receiving a DNS query to sending its reply, by transport and by whether it was forwarded.', [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]);
export const dnsForwardFailures = metrics.counter('gifee_dns_forward_failures_total', 'Forwarded DNS queries that no upstream resolver answered.');
export const dnsTruncated = metrics.counter('gifee_dns_truncated_total', "UDP replies sent truncated (TC) because they exceeded the client's payload size.");

/** Question types we label individually; the rest count as "other" to keep label cardinality bounded. */
const KNOWN_TYPES = new Set(['A', 'AAAA', 'SRV', 'PTR', 'CNAME', 'TXT', 'SOA', 'NS', 'MX', 'ANY']);
export const typeLabel = (t: string | undefined) => (t && KNOWN_TYPES.has(t) ? t : 'other');
