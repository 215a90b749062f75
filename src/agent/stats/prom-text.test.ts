import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goFloat, renderFamilies } from './prom-text.js';

test("values as Go's strconv.FormatFloat(v, 'g', -1, 64) writes them (what a kubelet serves)", () => {
  const cases: [number, string][] = [
    [0, '0'],
    [1, '1'],
    [40.384910049, '40.384910049'],
    [6197.005020909, '6197.005020909'],
    [17391616, '1.7391616e+07'],
    [1137475584, '1.137475584e+09'],
    [1750607841.8297591, '1.7506078418297591e+09'],
    [212992, '212992'],
    [999999, '999999'],
    [1000000, '1e+06'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [1.5e-10, '1.5e-10'],
    [1e21, '1e+21'],
    [1e100, '1e+100'],
    [-2.5e7, '-2.5e+07'],
    [Number.NaN, 'NaN'],
    [Number.POSITIVE_INFINITY, '+Inf'],
  ];
  for (const [v, want] of cases) assert.equal(goFloat(v), want, String(v));
});

test('families sorted by name, samples by label values, labels by name, escaped; empty families left out', () => {
  const text = renderFamilies([
    {
      name: 'b_total',
      help: 'B.',
      type: 'counter',
      samples: [
        { labels: { pod: 'p2', namespace: 'a' }, value: 2, timestamp: 1000 },
        { labels: { pod: 'p1', namespace: 'b"\\\n' }, value: 1 },
      ],
    },
    { name: 'a', help: 'A.', type: 'gauge', samples: [{ labels: {}, value: 0 }] },
    { name: 'empty', help: 'E.', type: 'gauge', samples: [] },
  ]);
  assert.equal(text, ['# HELP a A.', '# TYPE a gauge', 'a 0', '# HELP b_total B.', '# TYPE b_total counter', 'b_total{namespace="a",pod="p2"} 2 1000', 'b_total{namespace="b\\"\\\\\\n",pod="p1"} 1', ''].join('\n'));
});
