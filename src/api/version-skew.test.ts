import assert from 'node:assert/strict';
import { test } from 'node:test';
import { agentSkewProblem, gifeeVersionOfKubelet, parseGifeeVersion, serverSkewProblem } from './version-skew.js';

test('agent/server skew: same minor (any patch), older by up to two minors allowed; a newer minor or older by three refused', () => {
  const cases: [string, string, RegExp | undefined][] = [
    ['0.1.0', '0.1.0', undefined],
    ['0.1.0', '0.1.7', undefined],
    ['0.1.0', '0.3.0', undefined],
    ['0.1.9', '0.3.0', undefined],
    ['0.1.0', '0.4.0', /more than 2 minor versions older/],
    ['0.2.0', '0.1.0', /newer than the server/],
    ['0.1.1', '0.1.0', undefined],
    ['1.0.0', '0.9.0', /newer than the server/],
    ['1.0.0', '2.0.0', /major version/],
    ['x', '0.1.0', /not a gifee version/],
    ['0.1.0', '9'.repeat(100), /not a gifee version/],
  ];
  for (const [agent, server, want] of cases) {
    const got = agentSkewProblem(agent, server);
    if (want) assert.match(got ?? '', want, `${agent} vs ${server}`);
    else assert.equal(got, undefined, `${agent} vs ${server}`);
  }
});

test('versions: parsed strictly, the gifee part read out of kubeletVersion', () => {
  assert.deepEqual(parseGifeeVersion('v1.2.3-rc.1'), { major: 1, minor: 2, patch: 3 });
  assert.equal(parseGifeeVersion('1.2'), undefined);
  assert.equal(parseGifeeVersion(3), undefined);
  assert.equal(gifeeVersionOfKubelet('v1.32.0-gifee.0.1.0'), '0.1.0');
  assert.equal(gifeeVersionOfKubelet('v1.32.0'), undefined);
});

test('server/server skew: within one minor either way (any patch) allowed; two minors or another major refused; a server without a version let be', () => {
  const cases: [string, string | undefined, RegExp | undefined][] = [
    ['0.2.0', '0.2.9', undefined],
    ['0.2.0', '0.1.0', undefined],
    ['0.1.0', '0.2.3', undefined],
    ['0.1.0', '0.3.0', /must be within 1 minor version of each other; upgrade the servers one minor version at a time/],
    ['0.4.0', '0.2.0', /this server is 0\.4\.0 and another live server is 0\.2\.0/],
    ['1.0.0', '0.9.0', /within 1 minor version/],
    ['0.1.0', undefined, undefined],
    ['0.1.0', 'latest', /reports "latest", not a gifee version/],
    ['0.1.0', 'x'.repeat(10_000), /not a gifee version/],
  ];
  for (const [self, other, want] of cases) {
    const got = serverSkewProblem(self, other);
    if (want) assert.match(got ?? '', want, `${self} vs ${other}`);
    else assert.equal(got, undefined, `${self} vs ${other}`);
  }
  // A hostile version string is not echoed whole.
  assert.ok((serverSkewProblem('0.1.0', 'x'.repeat(10_000)) ?? '').length < 200);
});
