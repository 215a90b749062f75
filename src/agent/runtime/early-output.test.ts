import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EarlyOutput } from './early-output.js';

describe('early output of an interactive container', () => {
  it('replays what was written before the first attach, in order, once', () => {
    const e = new EarlyOutput();
    e.add('stdout', Buffer.from('hello\n'));
    e.add('stderr', Buffer.from('oops\n'));
    const got: string[] = [];
    e.replay((s, d) => got.push(`${s}:${d}`));
    assert.deepEqual(got, ['stdout:hello\n', 'stderr:oops\n']);
    e.add('stdout', Buffer.from('later\n'));
    const again: string[] = [];
    e.replay((s, d) => again.push(`${s}:${d}`));
    assert.deepEqual(again, []);
  });

  it('keeps at most its limit', () => {
    const e = new EarlyOutput(8);
    e.add('stdout', Buffer.from('12345'));
    e.add('stdout', Buffer.from('67890'));
    e.add('stdout', Buffer.from('x'));
    let all = '';
    e.replay((_s, d) => (all += d));
    assert.equal(all, '12345678');
  });
});
