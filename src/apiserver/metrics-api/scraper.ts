// Scrapes every Ready node's kubelet /metrics/resource every resolution (metrics-server's
// --metric-resolution, default 15 s) through the API server's own kubelet client (the identity and
// the serving-certificate checks pods/log uses: pod-streams/kubelet-client.ts). Each node has its own
// deadline and at most `concurrency` are in flight, so a node that hangs or answers garbage costs
// only its own figures. A node may only report its own pods: figures for a pod bound elsewhere (or
// unknown) are dropped, as metrics-server drops them.

import https from 'node:https';
import type { Logger } from '../../util/log.js';
import { metrics } from '../../util/metrics.js';
import type { KubeletClient } from '../pod-streams/kubelet-client.js';
import type { ClusterView, NodeInfo } from './cluster-view.js';
import type { MetricsPoints, ScrapeResult } from './points.js';
import { DEFAULT_PARSE_LIMITS, decodeResourceMetrics, type ParseLimits, type ResourceBatch } from './resource-metrics.js';

export interface ScraperOptions {
  resolutionMs: number;
  /** Per-node deadline (metrics-server's --kubelet-request-timeout, default 10 s; never more than the resolution). */
  timeoutMs: number;
  concurrency: number;
  limits?: ParseLimits;
}

const requestTotal = metrics.counter('metrics_server_kubelet_request_total', 'Number of requests sent to Kubelet API (the metrics API scraper), by success.');
const requestDuration = metrics.histogram('metrics_server_kubelet_request_duration_seconds', 'Duration of requests to Kubelet API in seconds (the metrics API scraper).');
const scrapeDuration = metrics.histogram('metrics_server_manager_tick_duration_seconds', 'The total time spent collecting and storing metrics in seconds.');

/** GET /metrics/resource of one node: the body as text, bounded in size and time. */
export function fetchResourceMetrics(client: KubeletClient, node: NodeInfo, timeoutMs: number, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    if (!node.host) return reject(new Error(`node ${node.name} reports no InternalIP or Hostname address`));
    const signal = AbortSignal.timeout(timeoutMs);
    const req = https.request({ host: node.host, port: node.port, path: '/metrics/resource', method: 'GET', agent: client.agent, signal, headers: { Accept: 'text/plain' }, ...client.tlsOptions({ host: node.host, port: node.port, node: node.name }) }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        return reject(new Error(`request failed, status: "${res.statusCode} ${res.statusMessage ?? ''}"`));
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > maxBytes) {
          req.destroy(new Error(`response over ${maxBytes} bytes`));
          return;
        }
        chunks.push(c);
      });
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      res.on('error', reject);
    });
    req.on('error', (e) => reject(signal.aborted ? new Error(`timed out after ${timeoutMs} ms`) : e));
    req.end();
  });
}

export class Scraper {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private closed = false;
  /** Nodes whose last scrape failed, with why (logged once per change, not every tick). */
  private failing = new Map<string, string>();

  constructor(
    private view: ClusterView,
    private points: MetricsPoints,
    private client: () => KubeletClient,
    private o: ScraperOptions,
    private log: Logger,
  ) {}

  start() {
    const tick = () => {
      if (this.closed) return;
      // A tick still running (slow nodes) is not doubled: the next one starts after it.
      if (!this.running) this.running = this.scrapeOnce().finally(() => (this.running = undefined));
    };
    this.timer = setInterval(tick, this.o.resolutionMs);
    this.timer.unref();
    tick();
  }

  close() {
    this.closed = true;
    clearInterval(this.timer);
  }

  /** One round over every Ready node; the result replaces what the points held. */
  async scrapeOnce(): Promise<void> {
    const started = Date.now();
    const nodes = [...this.view.nodes.values()].filter((n) => n.ready);
    const result: ScrapeResult = new Map();
    let next = 0;
    const worker = async () => {
      while (next < nodes.length && !this.closed) {
        const node = nodes[next++];
        const batch = await this.scrapeNode(node);
        if (batch) result.set(node.name, batch);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.o.concurrency, nodes.length) }, worker));
    if (this.closed) return;
    this.points.store(result);
    scrapeDuration.observe((Date.now() - started) / 1000);
  }

  private async scrapeNode(node: NodeInfo): Promise<ResourceBatch | undefined> {
    const t0 = Date.now();
    const limits = this.o.limits ?? DEFAULT_PARSE_LIMITS;
    try {
      const body = await fetchResourceMetrics(this.client(), node, Math.min(this.o.timeoutMs, this.o.resolutionMs), limits.maxBytes);
      const batch = decodeResourceMetrics(body, t0, limits);
      for (const key of batch.pods.keys()) {
        const pod = this.view.pods.get(key);
        if (!pod || pod.nodeName !== node.name) batch.pods.delete(key);
      }
      requestTotal.inc({ success: 'true' });
      if (this.failing.delete(node.name)) this.log.info('metrics scrape of node works again', { node: node.name });
      return batch;
    } catch (e) {
      requestTotal.inc({ success: 'false' });
      const err = e instanceof Error ? e.message : String(e);
      if (this.failing.get(node.name) !== err) this.log.warn('failed to scrape node', { node: node.name, err });
      this.failing.set(node.name, err);
      // Bounded: forget nodes that are gone.
      if (this.failing.size > 2 * this.view.nodes.size + 16) for (const n of this.failing.keys()) if (!this.view.nodes.has(n)) this.failing.delete(n);
      return undefined;
    } finally {
      requestDuration.observe((Date.now() - t0) / 1000);
    }
  }
}
