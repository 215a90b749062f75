import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseFlags, UsageError } from './args.js';
import { autoscalingOf } from './autoscaling-flags.js';
import { optionsOfCommand, serverConfigOf } from './commands.js';

test('no flags: nothing set, so the GIFEE_* timings or Kubernetes defaults apply', () => {
  assert.deepEqual(autoscalingOf({}), { metricResolutionMs: undefined, hpa: { syncPeriodMs: undefined, tolerance: undefined, downscaleStabilizationMs: undefined, cpuInitializationPeriodMs: undefined, initialReadinessDelayMs: undefined } });
});

test('gifee server and gifee up take the flags under Kubernetes names, as durations and a fraction', () => {
  for (const command of ['server', 'up'] as const) {
    const argv = [
      '--data-dir=/tmp/x',
      '--metric-resolution=2s',
      '--horizontal-pod-autoscaler-sync-period=1s',
      '--horizontal-pod-autoscaler-tolerance=0.05',
      '--horizontal-pod-autoscaler-downscale-stabilization=1m30s',
      '--horizontal-pod-autoscaler-cpu-initialization-period=0s',
      '--horizontal-pod-autoscaler-initial-readiness-delay=500ms',
    ];
    const cfg = serverConfigOf(command, parseFlags(command, argv, optionsOfCommand(command)));
    assert.deepEqual(cfg.autoscaling, { metricResolutionMs: 2000, hpa: { syncPeriodMs: 1000, tolerance: 0.05, downscaleStabilizationMs: 90_000, cpuInitializationPeriodMs: 0, initialReadinessDelayMs: 500 } }, command);
  }
  assert.equal(autoscalingOf({ 'horizontal-pod-autoscaler-tolerance': '0' }).hpa.tolerance, 0);
  assert.equal(autoscalingOf({ 'horizontal-pod-autoscaler-tolerance': '.2' }).hpa.tolerance, 0.2);
});

test('bad values are refused with a usage error naming the flag', () => {
  const cases: [string, string, RegExp][] = [
    ['metric-resolution', 'soon', /--metric-resolution must be a duration/],
    ['metric-resolution', '500ms', /--metric-resolution must be at least 1s/],
    ['metric-resolution', '0', /at least 1s/],
    ['horizontal-pod-autoscaler-sync-period', '0s', /--horizontal-pod-autoscaler-sync-period must be longer than 0/],
    ['horizontal-pod-autoscaler-sync-period', '-5s', /must be a duration/],
    ['horizontal-pod-autoscaler-downscale-stabilization', '5 minutes', /--horizontal-pod-autoscaler-downscale-stabilization must be a duration/],
    ['horizontal-pod-autoscaler-cpu-initialization-period', '1e3', /must be a duration/],
    ['horizontal-pod-autoscaler-initial-readiness-delay', '', /must be a duration/],
    ['horizontal-pod-autoscaler-tolerance', 'ten percent', /--horizontal-pod-autoscaler-tolerance must be a fraction/],
    ['horizontal-pod-autoscaler-tolerance', '-0.1', /must be a fraction/],
    ['horizontal-pod-autoscaler-tolerance', '1', /must be a fraction/],
    ['horizontal-pod-autoscaler-tolerance', 'NaN', /must be a fraction/],
    ['horizontal-pod-autoscaler-tolerance', 'Infinity', /must be a fraction/],
    ['horizontal-pod-autoscaler-tolerance', '0x1', /must be a fraction/],
  ];
  for (const [flag, value, message] of cases)
    assert.throws(
      () => autoscalingOf({ [flag]: value }),
      (e: Error) => e instanceof UsageError && message.test(e.message),
      `--${flag}=${value}`,
    );
  // Through the command line too: a mistyped name gets the nearest flag.
  assert.throws(() => parseFlags('server', ['--horizontal-pod-autoscaler-tolerence=0.1'], optionsOfCommand('server')), /did you mean --horizontal-pod-autoscaler-tolerance\?/);
});

test('gifee server with a bad value exits with code 2 and the message before it starts anything', async () => {
  const compiled = import.meta.url.endsWith('.js');
  const main = join(dirname(fileURLToPath(import.meta.url)), compiled ? 'main.js' : 'main.ts');
  const dataDir = join(tmpdir(), `gifee-hpa-flags-${process.pid}`);
  for (const [flag, message] of [
    ['--horizontal-pod-autoscaler-tolerance=1.5', /--horizontal-pod-autoscaler-tolerance must be a fraction from 0 to below 1, e.g. 0.1, not "1.5"/],
    ['--metric-resolution=100ms', /--metric-resolution must be at least 1s, not "100ms"/],
  ] as const) {
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const p = execFile(process.execPath, [...(compiled ? [] : ['--import', 'tsx']), main, 'server', '--data-dir', dataDir, '--port', '0', flag], { timeout: 30_000, env: { ...process.env, GIFEE_LOG: 'error' } }, (_e, _out, stderr) => resolve({ code: p.exitCode, stderr }));
    });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, message);
    assert.equal(existsSync(dataDir), false, 'nothing was set up');
  }
});
