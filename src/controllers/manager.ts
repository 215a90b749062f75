// The controller manager: runs the cluster's controllers against the API server.
import type { Logger } from '../util/log.js';

export async function startControllerManager(_opts: { server: string; ca: string; cert: string; key: string; log?: Logger }): Promise<{ stop(): Promise<void> }> {
  return { stop: async () => {} };
}
