import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeFamilies, renderFamilies, withLabel } from './metrics-merge.js';

test('withLabel puts one label first, with or without existing labels', () => {
  const cases: [string, string][] = [
    ['up 1', 'up{process="cm"} 1'],
    ['req_total{verb="GET"} 3', 'req_total{process="cm",verb="GET"} 3'],
    ['lat_bucket{le="0.1"} 2', 'lat_bucket{process="cm",le="0.1"} 2'],
    ['odd{} 2', 'odd{process="cm"} 2'],
    ['# not a sample', '# not a sample'],
  ];
  for (const [input, want] of cases) assert.equal(withLabel(input, 'process', 'cm'), want);
  assert.equal(withLabel('x 1', 'p', 'a"b'), 'x{p="a\\"b"} 1');
});

test("families only a child has keep their samples; shared ones label the child's", () => {
  const own = [
    { name: 'process_resident_memory_bytes', help: 'rss', type: 'gauge', samples: ['process_resident_memory_bytes 100'] },
    { name: 'registered_but_empty', help: 'h', type: 'counter', samples: [] },
  ];
  const child = [
    { name: 'process_resident_memory_bytes', help: 'rss', type: 'gauge', samples: ['process_resident_memory_bytes 50'] },
    { name: 'registered_but_empty', help: 'h', type: 'counter', samples: ['registered_but_empty{a="1"} 2'] },
    { name: 'scheduler_attempts_total', help: 'a', type: 'counter', samples: ['scheduler_attempts_total{result="scheduled"} 5'] },
    { name: 'process_resident_memory_bytes_x', help: 'x', type: 'gauge', samples: [] },
  ];
  const text = renderFamilies(mergeFamilies(own, [{ process: 'controller-manager', families: child }]));
  assert.match(text, /^process_resident_memory_bytes 100$/m);
  assert.match(text, /^process_resident_memory_bytes\{process="controller-manager"\} 50$/m);
  assert.match(text, /^registered_but_empty\{a="1"\} 2$/m);
  assert.match(text, /^scheduler_attempts_total\{result="scheduled"\} 5$/m);
  assert.equal(text.match(/# TYPE process_resident_memory_bytes gauge/g)?.length, 1);
});
