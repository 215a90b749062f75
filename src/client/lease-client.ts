// The REST client a leader elector talks through: its own HTTP agent, so lease renewals never wait
// for a socket behind the component's watches and lists (an agent's sockets can all be held by
// long-lived watches), and a per-request timeout, so a stalled connection fails an attempt instead
// of hanging it.

import { RestClient, type ClientConfig } from './rest.js';

export function leaseClient(config: ClientConfig, requestTimeoutMs = 10_000): RestClient {
  return new RestClient({ ...config, userAgent: `${config.userAgent ?? 'gifee'}/leader-election`, requestTimeoutMs });
}
