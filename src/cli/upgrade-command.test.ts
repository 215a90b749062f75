import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { drainTimeoutMs, upgrade } from '../api/kinds/upgrade/index.js';
import { planSettingsOf, renderStatus, upgradeObject } from './upgrade-command.js';

function fakeBuild(version: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'gifee-upgrade-cmd-'));
  mkdirSync(join(dir, 'bin'));
  mkdirSync(join(dir, 'dist/src/cli'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'gifee', version }));
  writeFileSync(join(dir, 'bin/gifee.js'), '');
  writeFileSync(join(dir, 'dist/src/cli/main.js'), '');
  return dir;
}

test('gifee upgrade plan: hostile --to and --concurrency refused with the reason; a good plan is an Upgrade the API accepts', () => {
  const dir = fakeBuild('0.1.1');
  try {
    assert.throws(() => planSettingsOf({}), /--to PATH \(an absolute directory holding a built gifee\) or --to-image REF is required/);
    assert.throws(() => planSettingsOf({ to: dir, 'to-image': 'r/g:1' }), /name the build twice/);
    assert.throws(() => planSettingsOf({ to: dir, version: '0.1.1' }), /--version goes with --to-image/);
    assert.throws(() => planSettingsOf({ 'to-image': 'r.local/gifee:0.2.0' }), /--to-image needs --version V/);
    assert.throws(() => planSettingsOf({ 'to-image': 'r.local/gifee:0.2.0', version: 'latest' }), /--version latest: must be a gifee version/);
    assert.throws(() => planSettingsOf({ 'to-image': 'Bad Ref!', version: '0.2.0' }), /--to-image Bad Ref!: /);
    const img = planSettingsOf({ 'to-image': '127.0.0.1:5000/gifee:0.2.0', version: '0.2.0' });
    assert.deepEqual(img, { image: '127.0.0.1:5000/gifee:0.2.0', version: '0.2.0', concurrency: 1, readyTimeoutSeconds: 180, name: 'upgrade-0.2.0' });
    assert.deepEqual(upgradeObject(img).spec?.target, { image: '127.0.0.1:5000/gifee:0.2.0', version: '0.2.0' });
    assert.deepEqual(upgrade.validate!(upgradeObject(img)), []);
    assert.throws(() => planSettingsOf({ to: 'gifee-0.1.1' }), /must be absolute/);
    assert.throws(() => planSettingsOf({ to: `${dir}/../${dir.split('/').pop()}` }), /"\." or "\.\." segments/);
    assert.throws(() => planSettingsOf({ to: '/etc' }), /no package.json/);
    for (const c of ['0', '51', '1000000000', '-1', '1.5', 'two', '']) assert.throws(() => planSettingsOf({ to: dir, concurrency: c }), /--concurrency .*from 1 to 50/, c);
    assert.throws(() => planSettingsOf({ to: dir, 'ready-timeout': '1s' }), /between 5s/);
    assert.throws(() => planSettingsOf({ to: dir, 'ready-timeout': 'soon' }), /duration/);
    assert.throws(() => planSettingsOf({ to: dir, 'drain-timeout': 'forever' }), /--drain-timeout must be a duration/);
    assert.throws(() => planSettingsOf({ to: dir, 'drain-timeout': '-5s' }), /--drain-timeout must be a duration/);
    // Written as Go prints durations; 0 is no timeout, as `kubectl drain --timeout=0`.
    assert.equal(planSettingsOf({ to: dir, 'drain-timeout': '90s' }).drainTimeout, '1m30s');
    assert.equal(planSettingsOf({ to: dir, 'drain-timeout': '0' }).drainTimeout, undefined);
    const withDrain = upgradeObject(planSettingsOf({ to: dir, 'drain-timeout': '5s' }));
    assert.deepEqual(withDrain.spec?.drain, { timeout: '5s' });
    assert.equal(drainTimeoutMs(withDrain), 5000);
    assert.deepEqual(upgrade.validate!(withDrain), []);
    const s = planSettingsOf({ to: dir, concurrency: '3', 'ready-timeout': '90s' });
    assert.deepEqual(s, { path: dir, version: '0.1.1', concurrency: 3, readyTimeoutSeconds: 90, name: 'upgrade-0.1.1' });
    assert.deepEqual(upgrade.validate!(upgradeObject(s)), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the Upgrade kind refuses what plan refuses (for clients that skip the CLI), and spec changes', () => {
  const errs = upgrade.validate!({ apiVersion: 'gifee.dev/v1alpha1', kind: 'Upgrade', metadata: { name: 'u' }, spec: { target: { path: 'rel/../x', version: 'latest' }, concurrency: 0, readyTimeoutSeconds: 1 } } as never);
  assert.deepEqual(
    errs.map((e) => [e.field, e.reason]),
    [
      ['spec.target.path', 'FieldValueInvalid'],
      ['spec.target.version', 'FieldValueInvalid'],
      ['spec.concurrency', 'FieldValueInvalid'],
      ['spec.readyTimeoutSeconds', 'FieldValueInvalid'],
    ],
  );
  assert.deepEqual(
    upgrade.validate!({ metadata: { name: 'u' } } as never).map((e) => [e.field, e.reason]),
    [
      ['spec.target.path', 'FieldValueRequired'],
      ['spec.target.version', 'FieldValueRequired'],
    ],
  );
  const target = (t: unknown) => upgrade.validate!({ metadata: { name: 'u' }, spec: { target: t } } as never).map((e) => [e.field, e.reason, e.message]);
  assert.deepEqual(target({ path: '/opt/g', image: 'r.local/g:1', version: '0.1.1' }), [['spec.target.image', 'FieldValueInvalid', 'Invalid value: "r.local/g:1": may not be set together with spec.target.path: name the build by one of them']]);
  for (const [bad, why] of [
    ['', 'must be an image reference such as registry.local/gifee:0.2.0'],
    [7, 'must be an image reference such as registry.local/gifee:0.2.0'],
    ['r.local/g:1 extra', 'must not contain whitespace or control characters'],
    ['r.local/g:\u0000', 'must not contain whitespace or control characters'],
    [`r.local/${'g'.repeat(600)}`, 'must be at most 512 characters'],
  ] as const) {
    const got = target({ image: bad, version: '0.1.1' });
    assert.equal(got.length, 1, String(bad));
    assert.equal(got[0]![0], 'spec.target.image');
    assert.match(got[0]![2] as string, new RegExp(`${why}$`), String(bad));
  }
  assert.deepEqual(target({ image: 'r.local/gifee@sha256:' + 'a'.repeat(64), version: '0.1.1' }), []);
  const a = upgradeObject({ path: '/opt/g', version: '0.1.1', concurrency: 1, readyTimeoutSeconds: 60, name: 'u' });
  const b = upgradeObject({ path: '/opt/g', version: '0.1.1', concurrency: 2, readyTimeoutSeconds: 60, name: 'u' });
  assert.deepEqual(
    upgrade.validate!(b, a).map((e) => [e.field, e.reason]),
    [['spec', 'FieldValueForbidden']],
  );
});

test('spec.drain.timeout: a Go duration, not negative; absent or 0 is no timeout', () => {
  const withTimeout = (timeout: unknown) => ({ apiVersion: 'gifee.dev/v1alpha1', kind: 'Upgrade', metadata: { name: 'u' }, spec: { target: { path: '/opt/g', version: '0.1.1' }, drain: { timeout } } }) as never;
  const errsOf = (timeout: unknown) => upgrade.validate!(withTimeout(timeout)).map((e) => [e.field, e.reason, e.message.replace(/^Invalid value: .*: /, '')]);
  for (const bad of ['soon', '5', '', '5 s', '1d', 'x'.repeat(100), 30, null]) assert.deepEqual(errsOf(bad), [['spec.drain.timeout', 'FieldValueInvalid', 'must be a duration like 30s, 5m or 1h30m']], String(bad));
  for (const bad of ['-5s', '-1h30m']) assert.deepEqual(errsOf(bad), [['spec.drain.timeout', 'FieldValueInvalid', 'must not be negative']], bad);
  for (const good of ['0', '0s', '500ms', '5s', '1m30s', '1.5h']) assert.deepEqual(errsOf(good), [], good);
  assert.equal(drainTimeoutMs(withTimeout('1m30s')), 90_000);
  assert.equal(drainTimeoutMs(withTimeout('0s')), undefined);
  assert.equal(drainTimeoutMs(withTimeout(undefined)), undefined);
  assert.deepEqual(upgrade.validate!({ metadata: { name: 'u' }, spec: { target: { path: '/opt/g', version: '0.1.1' }, drain: {} } } as never), []);
});

test('gifee upgrade status: phase, the halt reason and each node', () => {
  const text = renderStatus([{ metadata: { name: 'u' }, spec: { target: { path: '/opt/g', version: '0.1.1' } }, status: { phase: 'Halted', conditions: [{ type: 'Halted', status: 'True', message: 'node a failed: not Ready' }], nodes: [{ name: 'a', state: 'Failed', fromVersion: '0.1.0', message: 'not Ready' }] } }]);
  assert.equal(text, 'u  0.1.1 (/opt/g)  Halted: node a failed: not Ready\n  a  Failed  from 0.1.0  not Ready\n');
  assert.equal(renderStatus([]), 'No upgrades.\n');
});
