// Table tests of the nftables rendering, and (as root) the kernel accepting the scripts: a full
// table applied twice (an atomic replace), then an elements-only update, in a scratch namespace.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Plan } from './plan.js';
import { elementsScript, fullScript, render } from './render.js';
import { runNft } from './nft.js';
import { parseRuleCounters, dropCounters } from './counters.js';

const run = promisify(execFile);

const basePlan = (): Plan => ({
  addressSets: new Map([['peers_a', ['10.1.0.3', '172.17.0.0-172.17.0.255']]]),
  tupleSets: new Map([['named_b', ['10.2.0.3 . tcp . 8080']]]),
  pods: [
    {
      pod: 'default/db',
      uid: 'u1',
      ip: '10.1.0.2',
      id: 'aaaa',
      ingress: [
        { policy: 'default/np', index: 0, peerSet: 'peers_a', ports: [{ protocol: 'TCP', from: 6379, to: 6379 }, { protocol: 'SCTP', from: 32000, to: 32768 }, { protocol: 'UDP' }] },
        { policy: 'default/all', index: 0 },
        { policy: 'default/none', index: 1, ports: [] },
      ],
      egress: [{ policy: 'default/eg', index: 0, peerSet: 'peers_a', ports: [], namedSet: 'named_b' }],
    },
    { pod: 'default/web', uid: 'u2', ip: '10.1.0.3', id: 'bbbb', ingress: [] },
  ],
  warnings: [],
});

test('render: pod chains jump to shared policy chains whose rules accept; the rest is logged and dropped', () => {
  const r = render('t', basePlan());
  const chain = (name: string) =>
    r.structure
      .split(`chain ${name} {\n`)[1]
      .split('\n  }')[0]
      .trim()
      .split('\n')
      .map((l) => l.trim());
  const jumps = chain('in_aaaa');
  assert.equal(jumps.length, 4, jumps.join('\n')); // np, all (none has no rule that can match), log, drop
  assert.deepEqual(jumps.slice(2), ['limit rate 10/second burst 20 packets log prefix "gifee-netpol drop ingress default/db: " level info', 'counter drop comment "drop ingress default/db"']);
  assert.deepEqual(chain(jumps[0].replace('jump ', '')), [
    'ip saddr @peers_a meta l4proto tcp th dport 6379 counter accept comment "default/np ingress[0]"',
    'ip saddr @peers_a meta l4proto sctp th dport 32000-32768 counter accept comment "default/np ingress[0]"',
    'ip saddr @peers_a meta l4proto udp counter accept comment "default/np ingress[0]"',
  ]);
  assert.deepEqual(chain(jumps[1].replace('jump ', '')), ['counter accept comment "default/all ingress[0]"']);
  const out = chain('out_aaaa');
  assert.deepEqual(chain(out[0].replace('jump ', '')), ['ip daddr . meta l4proto . th dport @named_b counter accept comment "default/eg egress[0]"']);
  assert.deepEqual(chain('in_bbbb'), ['limit rate 10/second burst 20 packets log prefix "gifee-netpol drop ingress default/web: " level info', 'counter drop comment "drop ingress default/web"']);
  assert.match(r.structure, /map ingress_pods \{ type ipv4_addr : verdict; elements = \{ 10\.1\.0\.2 : jump in_aaaa, 10\.1\.0\.3 : jump in_bbbb \} \}/);
  assert.match(r.structure, /map egress_pods \{ type ipv4_addr : verdict; elements = \{ 10\.1\.0\.2 : jump out_aaaa \} \}/);
  assert.match(r.structure, /chain egress \{\n.*priority filter;.*\n {4}ct state established,related accept\n {4}ip saddr vmap @egress_pods\n/);
  assert.match(r.structure, /chain ingress \{\n.*priority filter \+ 1;.*\n {4}ct state established,related accept\n {4}ip daddr vmap @ingress_pods\n/);
  assert.equal(r.ruleCount, 4 + 3 + 1 + 3 + 1 + 2); // in_aaaa, its two policy chains, out_aaaa, its policy chain, in_bbbb
  // The same rules of the same policy on two pods: one chain.
  const shared = basePlan();
  shared.pods[1].ingress = shared.pods[0].ingress;
  const rs = render('t', shared);
  assert.equal(rs.structure.match(/chain pin_/g)?.length, 2);
  // Elements only when the structure stays: the sets that changed are flushed and refilled.
  const p2 = basePlan();
  p2.addressSets.set('peers_a', ['10.1.0.3', '10.2.0.9']);
  const r2 = render('t', p2);
  assert.equal(r2.structure, r.structure);
  assert.equal(elementsScript('t', r.elements, r2), 'flush set ip t peers_a\nadd element ip t peers_a { 10.1.0.3, 10.2.0.9 }\n');
  assert.equal(elementsScript('t', r2.elements, r2), '');
  // Names are sanitized in comments and log prefixes (the API validates them; a hostile cache must not break the script).
  const p3 = basePlan();
  p3.pods[1].pod = 'default/we"b;\nflush ruleset';
  assert.ok(!render('t', p3).structure.includes('"b;'));
});

test('counters: drops by pod and direction from nft JSON; garbage reads as nothing', () => {
  const json = JSON.stringify({
    nftables: [
      { metainfo: {} },
      { rule: { chain: 'in_aaaa', comment: 'default/np ingress[0]', expr: [{ match: {} }, { counter: { packets: 4, bytes: 240 } }, { return: null }] } },
      { rule: { chain: 'in_aaaa', comment: 'drop ingress default/db', expr: [{ counter: { packets: 7, bytes: 420 } }, { drop: null }] } },
      { rule: { chain: 'x', expr: 'nope' } },
    ],
  });
  const rules = parseRuleCounters(json);
  assert.equal(rules.length, 2);
  assert.deepEqual([...dropCounters(rules).values()], [{ direction: 'ingress', namespace: 'default', pod: 'db', packets: 7 }]);
  assert.deepEqual(parseRuleCounters('{not json'), []);
  assert.deepEqual(parseRuleCounters('{"nftables": 5}'), []);
});

const root = process.getuid?.() === 0 && process.platform === 'linux';
test('the kernel takes the scripts: full replace twice, then elements only', { skip: root ? false : 'needs root (network namespaces, nftables)' }, async () => {
  const netns = `gfnp${process.pid}`;
  await run('ip', ['netns', 'add', netns]);
  try {
    const r = render('gifee-netpol', basePlan());
    await runNft(fullScript('gifee-netpol', r), netns);
    await runNft(fullScript('gifee-netpol', r), netns);
    const p2 = basePlan();
    p2.addressSets.set('peers_a', ['10.1.0.3', '10.2.0.9-10.2.0.20']);
    p2.tupleSets.set('named_b', []);
    await runNft(elementsScript('gifee-netpol', r.elements, render('gifee-netpol', p2)), netns);
    const listed = await runNft('', netns, ['list', 'set', 'ip', 'gifee-netpol', 'peers_a']);
    assert.match(listed, /10\.2\.0\.9-10\.2\.0\.20/);
    const counters = await runNft('', netns, ['-j', 'list', 'table', 'ip', 'gifee-netpol']);
    assert.equal(dropCounters(parseRuleCounters(counters)).size, 3); // db in and out, web in
  } finally {
    await run('ip', ['netns', 'delete', netns]);
  }
});
