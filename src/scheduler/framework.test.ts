import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CycleState, errorStatus, Framework, type Plugin } from './framework.js';
import { info, makePod } from './test-objects.js';

function recorder() {
  const calls: string[] = [];
  const plugin = (name: string, o: { reserveFails?: boolean; preBindFails?: boolean; preBindThrows?: boolean } = {}): Plugin => ({
    name,
    reserve: () => {
      calls.push(`reserve ${name}`);
      return o.reserveFails ? errorStatus(`${name} cannot reserve`) : undefined;
    },
    unreserve: () => {
      calls.push(`unreserve ${name}`);
    },
    preBind: async () => {
      calls.push(`preBind ${name}`);
      if (o.preBindThrows) throw new Error('boom');
      return o.preBindFails ? errorStatus('binding volumes: context deadline exceeded') : undefined;
    },
  });
  return { calls, plugin };
}

const pod = info(makePod('p'));

test('a failing reserve stops the others and unreserves every plugin in reverse order', () => {
  const { calls, plugin } = recorder();
  const fw = new Framework([plugin('A'), plugin('B', { reserveFails: true }), plugin('C')]);
  assert.deepEqual(fw.runReserve(new CycleState(), pod, 'n'), { code: 'Error', reasons: ['B cannot reserve'] });
  assert.deepEqual(calls, ['reserve A', 'reserve B', 'unreserve C', 'unreserve B', 'unreserve A']);
});

test('preBind runs in order and reports the first failure with the plugin name, as kube words it', async () => {
  const { calls, plugin } = recorder();
  const fw = new Framework([plugin('A'), plugin('VolumeBinding', { preBindFails: true }), plugin('C')]);
  assert.deepEqual(await fw.runPreBind(new CycleState(), pod, 'n'), { code: 'Error', reasons: ['running PreBind plugin "VolumeBinding": binding volumes: context deadline exceeded'] });
  assert.deepEqual(calls, ['preBind A', 'preBind VolumeBinding']);
  const throwing = new Framework([recorder().plugin('X', { preBindThrows: true })]);
  assert.deepEqual(await throwing.runPreBind(new CycleState(), pod, 'n'), { code: 'Error', reasons: ['running PreBind plugin "X": boom'] });
  assert.equal(await new Framework([recorder().plugin('ok')]).runPreBind(new CycleState(), pod, 'n'), undefined);
});
