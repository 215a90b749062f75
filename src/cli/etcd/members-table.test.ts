import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memberIdHex, memberRows, renderMembers } from './members-table.js';

const members = [
  { ID: '517300471599003000', name: 'vm2-bb', peerURLs: ['https://127.0.0.2:2380'], clientURLs: ['https://127.0.0.2:2379'], isLearner: true },
  { ID: '8211f1d0f64f3269', name: 'vm1-aa', peerURLs: ['https://127.0.0.1:2380'], clientURLs: ['https://127.0.0.1:2379'], isLearner: false },
  { ID: '42', name: '', peerURLs: ['https://127.0.0.3:2380'], clientURLs: [], isLearner: true },
];

test('member ids in hex as etcdctl prints them; anything else as it came', () => {
  assert.equal(memberIdHex('517300471599003000'), '72dd209c3ccf578');
  assert.equal(memberIdHex('18446744073709551615'), 'ffffffffffffffff');
  assert.equal(memberIdHex('8211f1d0f64f3269'), '8211f1d0f64f3269');
});

test('rows: sorted by name, voter or learner, the leader marked', () => {
  const rows = memberRows(members, '517300471599003000');
  assert.deepEqual(
    rows.map((r) => [r.name, r.role, r.leader]),
    [
      ['', 'learner', false],
      ['vm1-aa', 'voter', false],
      ['vm2-bb', 'learner', true],
    ],
  );
  assert.equal(
    memberRows(members, undefined).some((r) => r.leader),
    false,
  );
});

test('the table: a header, one line per member, an unstarted member shown as such; -o json keeps every field', () => {
  const text = renderMembers('table', memberRows(members.slice(0, 2), '8211f1d0f64f3269'));
  const lines = text.trimEnd().split('\n');
  assert.match(lines[0], /^NAME\s+ID\s+PEER URLS\s+CLIENT URLS\s+ROLE\s+LEADER$/);
  assert.match(lines[1], /^vm1-aa\s+8211f1d0f64f3269\s+https:\/\/127\.0\.0\.1:2380\s+https:\/\/127\.0\.0\.1:2379\s+voter\s+yes$/);
  assert.match(lines[2], /^vm2-bb\s+72dd209c3ccf578\s+https:\/\/127\.0\.0\.2:2380\s+https:\/\/127\.0\.0\.2:2379\s+learner$/);
  assert.match(renderMembers('table', memberRows(members.slice(2), undefined)), /<unstarted>\s+2a\s+https:\/\/127\.0\.0\.3:2380\s+<none>\s+learner/);
  const json = JSON.parse(renderMembers('json', memberRows(members.slice(1, 2), undefined)));
  assert.deepEqual(json, { kind: 'EtcdMemberList', items: [{ name: 'vm1-aa', id: '8211f1d0f64f3269', peerURLs: ['https://127.0.0.1:2380'], clientURLs: ['https://127.0.0.1:2379'], role: 'voter', leader: false }] });
});
