// The HorizontalPodAutoscaler controller, as kube-controller-manager's: every HPA is reconciled
// when it appears or its spec changes and then every sync period (15 s): read the target's scale
// subresource (any kind that has one: Deployments, ReplicaSets, StatefulSets,
// ReplicationControllers, custom resources), compute every metric's proposal from the pods the
// scale's selector selects, normalize it (stabilization, behavior policies, min/max), write the
// scale, then the status (currentReplicas, desiredReplicas, currentMetrics, lastScaleTime,
// conditions) and record Kubernetes' events. Writes go out as system:controller:horizontal-pod-autoscaler.

import { rfc3339 } from '../../util/time.js';
import type { KObject } from '../../api/kind.js';
import { parseLabelSelector, type Selector } from '../../api/labels.js';
import { type ServedResource, resourceForKind } from '../../client/discovery.js';
import { EventRecorder } from '../../client/events.js';
import { INDEX_NAMESPACE, keyOf } from '../../client/indexer.js';
import type { InformerLike } from '../../client/informer.js';
import type { InformerFactory } from '../../client/informer-factory.js';
import { R } from '../../client/resources.js';
import { resourcePath, type RestClient } from '../../client/rest.js';
import { deepEqual } from '../../util/equal.js';
import type { Logger } from '../../util/log.js';
import { Controller } from '../controller.js';
import { computeReplicasForMetrics, type MetricSpec, type MetricStatus } from './compute.js';
import { type Condition, setCondition } from './conditions.js';
import { type MetricsSource, RestMetricsSource } from './metrics-client.js';
import { type Behavior, ScalingHistory } from './normalize.js';
import { DEFAULT_CPU_INITIALIZATION_PERIOD_MS, DEFAULT_INITIAL_READINESS_DELAY_MS, DEFAULT_TOLERANCE, defaultTolerances } from './replica-calculator.js';

export const HPA_RESOURCE = { group: 'autoscaling', version: 'v2', plural: 'horizontalpodautoscalers' };

export interface HpaOptions {
  /** --horizontal-pod-autoscaler-sync-period (15 s). */
  syncPeriodMs?: number;
  /** --horizontal-pod-autoscaler-downscale-stabilization (5 min). */
  downscaleStabilizationMs?: number;
  /** --horizontal-pod-autoscaler-tolerance (0.1). */
  tolerance?: number;
  /** --horizontal-pod-autoscaler-cpu-initialization-period (5 min). */
  cpuInitializationPeriodMs?: number;
  /** --horizontal-pod-autoscaler-initial-readiness-delay (30 s). */
  initialReadinessDelayMs?: number;
  /** Where figures come from (default: the metrics APIs through the API server). */
  source?: MetricsSource;
  now?: () => number;
}

interface HpaSpec {
  scaleTargetRef?: { apiVersion?: string; kind?: string; name?: string };
  minReplicas?: number;
  maxReplicas?: number;
  metrics?: MetricSpec[];
  behavior?: Behavior;
}
interface HpaStatus {
  currentReplicas?: number;
  desiredReplicas?: number;
  lastScaleTime?: string;
  currentMetrics?: MetricStatus[];
  conditions?: Condition[];
  observedGeneration?: number;
}
type Hpa = KObject & { spec?: HpaSpec; status?: HpaStatus };
type Scale = KObject & { spec?: { replicas?: number }; status?: { replicas?: number; selector?: string } };

const DEFAULT_SYNC_MS = 15_000;
const DISCOVERY_TTL_MS = 60_000;
const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

export class HorizontalController extends Controller {
  readonly hpas: InformerLike;
  readonly pods: InformerLike;
  private events: EventRecorder;
  private history: ScalingHistory;
  private source: MetricsSource;
  private syncPeriodMs: number;
  private now: () => number;
  /** The last selector each HPA's target had: two HPAs selecting the same pods are refused (AmbiguousSelector). */
  private selectors = new Map<string, Selector>();
  private mappings = new Map<string, { resource?: ServedResource; at: number }>();
  private resyncs = new Map<string, NodeJS.Timeout>();

  constructor(
    private client: RestClient,
    factory: InformerFactory,
    log: Logger,
    private opts: HpaOptions = {},
  ) {
    super('horizontal-pod-autoscaler', log, factory, 5);
    this.now = opts.now ?? Date.now;
    this.syncPeriodMs = opts.syncPeriodMs ?? DEFAULT_SYNC_MS;
    this.history = new ScalingHistory(opts.downscaleStabilizationMs ?? 5 * 60_000, this.now);
    this.events = new EventRecorder(client, 'horizontal-pod-autoscaler', log);
    this.source = opts.source ?? new RestMetricsSource(client, async (apiVersion, kind) => (await this.resourceFor(apiVersion, kind))?.plural, this.syncPeriodMs);
    this.hpas = this.informers.informer(HPA_RESOURCE);
    this.pods = this.informers.informer(R.pods);
    // A status write (ours) is not a reason to reconcile again before the next period; a spec change is.
    this.watch(this.hpas, (old, o) => {
      if (old && o && old.metadata?.generation === o.metadata?.generation) return undefined;
      return keyOf((o ?? old)!);
    });
  }

  protected override onStop() {
    for (const t of this.resyncs.values()) clearTimeout(t);
    this.resyncs.clear();
    void this.events.close();
  }

  /** One pending resync per HPA (a spec change reconciles at once without starting a second cycle). */
  private scheduleResync(key: string) {
    if (this.resyncs.has(key)) return;
    const t = setTimeout(() => {
      this.resyncs.delete(key);
      if (this.isRunning) this.queue.add(key);
    }, this.syncPeriodMs);
    this.resyncs.set(key, t);
  }

  protected async reconcile(key: string) {
    const hpa = this.hpas.get(key) as Hpa | undefined;
    if (!hpa) {
      this.history.forget(key);
      this.selectors.delete(key);
      clearTimeout(this.resyncs.get(key));
      this.resyncs.delete(key);
      return;
    }
    try {
      await this.reconcileAutoscaler(hpa, key);
    } catch (e) {
      this.log.warn('horizontal pod autoscaler sync failed', { hpa: key, err: e });
    }
    // Every HPA is looked at again each sync period, whatever happened.
    this.scheduleResync(key);
  }

  /** apiVersion/kind to its resource through discovery (Kubernetes' RESTMapper), cached a minute. */
  private async resourceFor(apiVersion: string, kind: string): Promise<ServedResource | undefined> {
    const k = `${apiVersion}|${kind}`;
    const hit = this.mappings.get(k);
    if (hit && this.now() - hit.at < DISCOVERY_TTL_MS && hit.resource) return hit.resource;
    const resource = await resourceForKind(this.client, apiVersion, kind);
    this.mappings.set(k, { resource, at: this.now() });
    return resource;
  }

  private record(hpa: Hpa, type: 'Normal' | 'Warning', reason: string, message: string) {
    this.events.record({ ...hpa, apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler' }, type, reason, message);
  }

  private async reconcileAutoscaler(shared: Hpa, key: string) {
    const spec = shared.spec ?? {};
    const original = shared.status ?? {};
    const ns = shared.metadata?.namespace ?? '';
    let conditions: Condition[] = (original.conditions ?? []).map((c) => ({ ...c }));
    const set = (c: Condition) => {
      conditions = setCondition(conditions, c, new Date(this.now()));
    };
    const ref = spec.scaleTargetRef ?? {};
    const reference = `${ref.kind}/${ns}/${ref.name}`;
    const statusWith = (s: HpaStatus): HpaStatus => {
      const out: HpaStatus = {};
      if (s.lastScaleTime) out.lastScaleTime = s.lastScaleTime;
      out.currentReplicas = s.currentReplicas ?? 0;
      out.desiredReplicas = s.desiredReplicas ?? 0;
      if (s.currentMetrics && s.currentMetrics.length > 0) out.currentMetrics = s.currentMetrics;
      out.conditions = conditions;
      return out;
    };
    const write = async (s: HpaStatus) => {
      if (deepEqual(s, original)) return;
      try {
        await this.client.update(HPA_RESOURCE, { ...shared, apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', status: s }, 'status');
      } catch (e) {
        this.record(shared, 'Warning', 'FailedUpdateStatus', messageOf(e));
        throw new Error(`failed to update status for ${shared.metadata?.name}: ${messageOf(e)}`);
      }
    };
    const failScale = async (err: string) => {
      this.record(shared, 'Warning', 'FailedGetScale', err);
      set({ type: 'AbleToScale', status: 'False', reason: 'FailedGetScale', message: `the HPA controller was unable to get the target's current scale: ${err}` });
      await write(statusWith(original));
    };

    // The target's scale, through its resource's scale subresource.
    const apiVersion = ref.apiVersion ?? '';
    if (apiVersion.split('/').length > 2) return failScale(`unexpected GroupVersion string: ${apiVersion}`);
    let resource: ServedResource | undefined;
    try {
      resource = await this.resourceFor(apiVersion, ref.kind ?? '');
    } catch (e) {
      return failScale(messageOf(e));
    }
    const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
    if (!resource) return failScale(`no matches for kind "${ref.kind}" in group "${group}"`);
    const scalePath = resourcePath(resource, ns, ref.name ?? '', 'scale');
    let scale: Scale;
    try {
      scale = await this.client.request<Scale>('GET', scalePath);
    } catch (e) {
      return failScale(messageOf(e));
    }
    set({ type: 'AbleToScale', status: 'True', reason: 'SucceededGetScale', message: "the HPA controller was able to get the target's current scale" });
    const currentReplicas = scale.spec?.replicas ?? 0;
    this.history.recordInitial(key, currentReplicas);

    const minReplicas = spec.minReplicas ?? 1;
    const maxReplicas = spec.maxReplicas ?? 0;
    let desiredReplicas = 0;
    let rescaleReason = '';
    let rescale = true;
    let metricStatuses: MetricStatus[] | undefined;
    if (currentReplicas === 0 && minReplicas !== 0) {
      // Scaled to zero by hand: autoscaling is off until someone scales it up again.
      rescale = false;
      set({ type: 'ScalingActive', status: 'False', reason: 'ScalingDisabled', message: 'scaling is disabled since the replica count of the target is zero' });
    } else if (currentReplicas > maxReplicas) {
      rescaleReason = 'Current number of replicas above Spec.MaxReplicas';
      desiredReplicas = maxReplicas;
    } else if (currentReplicas < minReplicas) {
      rescaleReason = 'Current number of replicas below Spec.MinReplicas';
      desiredReplicas = minReplicas;
    } else {
      const computed = await this.compute(shared, key, scale);
      metricStatuses = computed.statuses;
      if (computed.condition) set(computed.condition);
      if (computed.replicas === -1) {
        await write(statusWith({ ...original, currentReplicas, currentMetrics: metricStatuses }));
        this.record(shared, 'Warning', 'FailedComputeMetricsReplicas', computed.error ?? '');
        this.log.debug('failed to compute desired number of replicas', { hpa: key, reference, err: computed.error });
        return;
      }
      if (computed.replicas > desiredReplicas) desiredReplicas = computed.replicas;
      if (desiredReplicas > currentReplicas) rescaleReason = `${computed.metric} above target`;
      if (desiredReplicas < currentReplicas) rescaleReason = 'All metrics below target';
      const limited = spec.behavior ? this.history.normalizeWithBehavior(key, currentReplicas, desiredReplicas, minReplicas, maxReplicas, spec.behavior) : this.history.normalize(key, currentReplicas, desiredReplicas, minReplicas, maxReplicas);
      set({ type: 'AbleToScale', status: 'True', ...limited.able });
      set({ type: 'ScalingLimited', status: limited.limited.status ? 'True' : 'False', reason: limited.limited.reason, message: limited.limited.message });
      desiredReplicas = limited.replicas;
      rescale = desiredReplicas !== currentReplicas;
    }

    let lastScaleTime = original.lastScaleTime;
    if (rescale) {
      try {
        await this.client.request('PUT', scalePath, { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: scale.metadata, spec: { ...(scale.spec ?? {}), replicas: desiredReplicas } });
      } catch (e) {
        this.record(shared, 'Warning', 'FailedRescale', `New size: ${desiredReplicas}; reason: ${rescaleReason}; error: ${messageOf(e)}`);
        set({ type: 'AbleToScale', status: 'False', reason: 'FailedUpdateScale', message: `the HPA controller was unable to update the target scale: ${messageOf(e)}` });
        await write(statusWith({ ...original, currentReplicas, currentMetrics: metricStatuses }));
        return;
      }
      set({ type: 'AbleToScale', status: 'True', reason: 'SucceededRescale', message: `the HPA controller was able to update the target scale to ${desiredReplicas}` });
      this.record(shared, 'Normal', 'SuccessfulRescale', `New size: ${desiredReplicas}; reason: ${rescaleReason}`);
      this.history.storeScaleEvent(key, spec.behavior, currentReplicas, desiredReplicas);
      this.log.info('successfully rescaled', { hpa: key, currentReplicas, desiredReplicas, reason: rescaleReason });
      lastScaleTime = rfc3339(this.now());
    } else {
      desiredReplicas = currentReplicas;
    }
    await write(statusWith({ currentReplicas, desiredReplicas, currentMetrics: metricStatuses, lastScaleTime }));
  }

  /** The selector checks of Kubernetes' validateAndParseSelector, then every metric. */
  private async compute(hpa: Hpa, key: string, scale: Scale) {
    const ns = hpa.metadata?.namespace ?? '';
    const text = scale.status?.selector ?? '';
    const invalid = (reason: string, event: string, message: string) => {
      this.record(hpa, 'Warning', reason, event);
      return { replicas: -1, metric: '', statuses: undefined, condition: { type: 'ScalingActive', status: 'False', reason: 'InvalidSelector', message } as Condition, error: event };
    };
    if (text === '') return invalid('SelectorRequired', 'selector is required', "the HPA target's scale is missing a selector");
    let selector: Selector;
    try {
      selector = parseLabelSelector(text);
    } catch (e) {
      const msg = `couldn't convert selector into a corresponding internal selector object: ${messageOf(e)}`;
      return invalid('InvalidSelector', msg, msg);
    }
    this.selectors.set(key, selector);
    const pods = this.pods.byIndex(INDEX_NAMESPACE, ns).filter((p) => selector.matches((p.metadata?.labels ?? {}) as Record<string, string>));
    // The HPAs of this namespace whose targets' selectors are known (bounded: one namespace's HPAs × these pods).
    const neighbours = [...this.selectors].filter(([k]) => k.startsWith(`${ns}/`) && this.hpas.get(k));
    const controlling = new Set<string>();
    for (const p of pods) {
      const labels = (p.metadata?.labels ?? {}) as Record<string, string>;
      for (const [k, s] of neighbours) if (!controlling.has(k) && s.matches(labels)) controlling.add(k);
    }
    if (controlling.size > 1) {
      const msg = `pods by selector ${text} are controlled by multiple HPAs: [${[...controlling].sort().join(' ')}]`;
      this.record(hpa, 'Warning', 'AmbiguousSelector', msg);
      return { replicas: -1, metric: '', statuses: undefined, condition: { type: 'ScalingActive', status: 'False', reason: 'AmbiguousSelector', message: msg } as Condition, error: msg };
    }
    return computeReplicasForMetrics({
      namespace: ns,
      metrics: hpa.spec?.metrics ?? [],
      specReplicas: scale.spec?.replicas ?? 0,
      statusReplicas: scale.status?.replicas ?? 0,
      selector: text,
      pods,
      source: this.source,
      tolerances: defaultTolerances(this.opts.tolerance ?? DEFAULT_TOLERANCE),
      readiness: { cpuInitializationPeriodMs: this.opts.cpuInitializationPeriodMs ?? DEFAULT_CPU_INITIALIZATION_PERIOD_MS, delayOfInitialReadinessStatusMs: this.opts.initialReadinessDelayMs ?? DEFAULT_INITIAL_READINESS_DELAY_MS, now: this.now() },
      warn: (reason, message) => this.record(hpa, 'Warning', reason, message),
    });
  }
}
