// The node agent's answers to the kubelet's statistics endpoints (streams/stats-endpoints.ts), all
// views of the collector's cached collection. A collection that fails is reported, not thrown: the
// metrics endpoints then say scrape error 1, the summary answers 500.

import type { KubeletStatsEndpoints } from '../streams/stats-endpoints.js';
import { renderCadvisorMetrics } from './cadvisor-metrics.js';
import type { StatsCollector } from './collector.js';
import { readMachineIds } from './machine-ids.js';
import { renderResourceMetrics } from './resource-metrics.js';
import { buildSummary } from './summary.js';
import type { Logger } from '../../util/log.js';

export function agentStatsEndpoints(collector: StatsCollector, log?: Logger): KubeletStatsEndpoints {
  const machine = readMachineIds();
  const collection = () =>
    collector.collect().catch((e) => {
      log?.warn('collecting container statistics failed', { err: e });
      return undefined;
    });
  return {
    resourceMetrics: async () => renderResourceMetrics(await collection()),
    cadvisorMetrics: async () => renderCadvisorMetrics(await collection(), machine),
    summary: async (_req, only) => buildSummary(await collector.collect(), only),
    // kubelet_volume_stats_* come from the volume stats collector (agent/volumes/volume-stats.ts),
    // which asks CSI drivers (NodeGetVolumeStats), on the agent's registry: not rendered twice here.
  };
}
