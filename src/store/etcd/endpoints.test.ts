import { test } from 'node:test';
import assert from 'node:assert/strict';
import { endpointOrder, endpointsFromMembers, type ListedMember } from './endpoints.js';

const A = 'https://127.0.0.1:2379';
const B = 'https://127.0.0.1:2479';
const C = 'https://127.0.0.1:2579';

test('endpointsFromMembers: own first, then the other voters sorted', () => {
  const cases: [string, string, ListedMember[], string[]][] = [
    ['alone', A, [{ clientURLs: [A] }], [A]],
    ['own first, the others sorted', B, [{ clientURLs: [C] }, { clientURLs: [A] }, { clientURLs: [B] }], [B, A, C]],
    ['a learner is left out', A, [{ clientURLs: [A] }, { clientURLs: [B], isLearner: true }, { clientURLs: [C] }], [A, C]],
    ['a member not started (no client URL) is left out', A, [{ clientURLs: [A] }, { clientURLs: [] }, { clientURLs: [''] }], [A]],
    ['own kept when the list lacks it', A, [{ clientURLs: [B] }], [A, B]],
    ['own kept when it is a learner (the server uses it until promoted)', A, [{ clientURLs: [A], isLearner: true }, { clientURLs: [B] }], [A, B]],
    ['duplicates once; several URLs of one member all used', A, [{ clientURLs: [A, C] }, { clientURLs: [C, B] }], [A, B, C]],
    ['an empty list: own only', A, [], [A]],
  ];
  for (const [name, own, members, want] of cases) assert.deepEqual(endpointsFromMembers(own, members), want, name);
});

test('endpointOrder: up endpoints in preference order, then the down ones, longest down first', () => {
  const cases: [string, string[], [string, number][], string[]][] = [
    ['all up: as given (own first)', [A, B, C], [], [A, B, C]],
    ['own down: the others, then own', [A, B, C], [[A, 100]], [B, C, A]],
    ['a peer down: own, the other peer, then it', [A, B, C], [[B, 100]], [A, C, B]],
    [
      'all down: longest down first',
      [A, B, C],
      [
        [A, 300],
        [B, 100],
        [C, 200],
      ],
      [B, C, A],
    ],
    [
      'two down, one up',
      [A, B, C],
      [
        [A, 200],
        [C, 100],
      ],
      [B, C, A],
    ],
    ['a down entry for an endpoint no longer listed is ignored', [A, B], [[C, 100]], [A, B]],
    ['one endpoint, down: still tried', [A], [[A, 100]], [A]],
  ];
  for (const [name, endpoints, down, want] of cases) assert.deepEqual(endpointOrder(endpoints, new Map(down)), want, name);
});
