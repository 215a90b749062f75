// Runs one container's probe on its schedule (initialDelaySeconds, periodSeconds) and reports
// transitions after successThreshold/failureThreshold consecutive results, as the kubelet does.

import type { Probe } from '../pods/types.js';
import { runProbe, type ProbeResult, type ProbeTarget } from './prober.js';

export type ProbeKind = 'liveness' | 'readiness' | 'startup';

export class ProbeLoop {
  private timer?: NodeJS.Timeout;
  private successes = 0;
  private failures = 0;
  private stopped = false;
  /** Current verdict: readiness starts false, liveness/startup start "not failed". */
  result: boolean;

  constructor(
    readonly kind: ProbeKind,
    private probe: Probe,
    private target: ProbeTarget,
    private onChange: (ok: boolean, r: ProbeResult) => void,
    private onFailure: (r: ProbeResult) => void,
  ) {
    this.result = kind === 'liveness';
  }

  start(startedAtMs: number) {
    const delay = Math.max(0, startedAtMs + (this.probe.initialDelaySeconds ?? 0) * 1000 - Date.now());
    this.timer = setTimeout(() => void this.tick(), delay);
    this.timer.unref();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async tick() {
    if (this.stopped) return;
    const r = await runProbe(this.probe, this.target);
    if (this.stopped) return;
    if (r.ok) {
      this.failures = 0;
      this.successes++;
      if (!this.result && this.successes >= (this.kind === 'readiness' ? (this.probe.successThreshold ?? 1) : 1)) {
        this.result = true;
        this.onChange(true, r);
      }
    } else {
      this.successes = 0;
      this.failures++;
      this.onFailure(r);
      if (this.failures >= (this.probe.failureThreshold ?? 3) && (this.result || this.kind !== 'readiness')) {
        this.result = false;
        this.onChange(false, r);
        if (this.kind !== 'readiness') return; // the container is being restarted: this loop ends with it
      }
    }
    // A startup probe stops once it has succeeded.
    if (this.kind === 'startup' && this.result) return;
    this.timer = setTimeout(() => void this.tick(), (this.probe.periodSeconds ?? 10) * 1000);
    this.timer.unref();
  }
}
