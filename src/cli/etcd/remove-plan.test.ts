import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findMember, planRemoval, type RemoveInput } from './remove-plan.js';

const m = (ID: string, name: string, isLearner = false) => ({ ID, name, peerURLs: [`https://127.0.0.1:${ID}`], clientURLs: name ? [`https://127.0.0.1:1${ID}`] : [], isLearner });
const three = [m('10', 'a-1'), m('11', 'b-2'), m('12', 'c-3')];
const plan = (o: Partial<RemoveInput>) => planRemoval({ members: three, target: 'b-2', answering: new Set(['10', '11', '12']), self: { name: 'a-1', serverRunning: true }, ...o });
const refused = (p: ReturnType<typeof planRemoval>) => {
  assert.equal(p.ok, false, JSON.stringify(p));
  return (p as { reason: string }).reason;
};

test('found by name or by hex id (case and leading zeros ignored); unknown or ambiguous targets are refused with the members', () => {
  assert.equal(findMember(three, 'c-3')[0].ID, '12');
  assert.equal(findMember(three, '0B')[0].ID, '11');
  assert.equal(findMember(three, '0xc')[0].ID, '12');
  assert.match(refused(plan({ target: 'nope' })), /no member named "nope".*a-1 \(a\), b-2 \(b\), c-3 \(c\)/);
  assert.match(refused(plan({ members: [...three, m('13', 'b-2')] })), /names 2 members.*pass the id/);
});

test("the data dir's own member is refused while its server runs, allowed once it is stopped", () => {
  assert.match(refused(plan({ target: 'a-1' })), /member of this data dir's server, which runs: stop that server first/);
  const p = plan({ target: 'a-1', self: { name: 'a-1', serverRunning: false }, answering: new Set(['11', '12']) });
  assert.equal(p.ok, true);
});

test('the last voter is refused, learners or not', () => {
  assert.match(refused(plan({ members: [m('10', 'a-1')], target: 'a-1', self: { name: 'x', serverRunning: false } })), /the last voting member: removing it would leave no cluster/);
  assert.match(refused(plan({ members: [m('10', 'a-1'), m('11', 'b-2', true)], target: 'a-1', self: { name: 'b-2', serverRunning: true } })), /last voting member \(1 learner cannot take over\)/);
});

test('a learner goes without touching quorum, even an unstarted one', () => {
  const p = plan({ members: [...three, m('13', '', true)], target: 'd' });
  assert.ok(p.ok);
  assert.match(p.quorum, /a learner/);
});

test('what happens to quorum: 3 → 2 tolerates no failure; 2 → 1; 5 → 4 tolerates one', () => {
  const p3 = plan({});
  assert.ok(p3.ok && /3 voting members → 2; quorum 2 of 2, no further member may fail/.test(p3.quorum), JSON.stringify(p3));
  const p2 = plan({ members: three.slice(0, 2), answering: new Set(['10', '11']) });
  assert.ok(p2.ok && /2 voting members → 1; quorum 1 of 1/.test(p2.quorum), JSON.stringify(p2));
  const five = [...three, m('13', 'd-4'), m('14', 'e-5')];
  const p5 = plan({ members: five, answering: new Set(five.map((x) => x.ID)) });
  assert.ok(p5.ok && /5 voting members → 4; quorum 3 of 4, 1 may fail/.test(p5.quorum), JSON.stringify(p5));
});

test('a stopped member of three goes (the others keep quorum); of two it cannot: quorum is lost', () => {
  assert.equal(plan({ answering: new Set(['10', '12']) }).ok, true);
  assert.match(refused(plan({ members: three.slice(0, 2), answering: new Set(['10']) })), /quorum is lost: 1 of 2 voting members answer and 2 are needed/);
});

test('removing a running member while another is stopped would leave the rest without quorum: refused', () => {
  assert.match(refused(plan({ answering: new Set(['10', '11']) })), /would leave 2 voting members of which 1 answers, below their quorum of 2/);
});
