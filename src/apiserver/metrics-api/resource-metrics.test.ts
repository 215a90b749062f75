import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeResourceMetrics, nanos, parseSampleLine, ResourceMetricsError, type ParseLimits } from './resource-metrics.js';

const GOOD = `# HELP container_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the container in core-seconds
# TYPE container_cpu_usage_seconds_total counter
container_cpu_usage_seconds_total{container="app",namespace="default",pod="web"} 4.5 1700000000000
container_cpu_usage_seconds_total{container="side",namespace="default",pod="web"} 0.25 1700000000000
# TYPE container_memory_working_set_bytes gauge
container_memory_working_set_bytes{container="app",namespace="default",pod="web"} 1.048576e+06 1700000000000
container_memory_working_set_bytes{container="side",namespace="default",pod="web"} 2048 1700000000000
container_start_time_seconds{container="app",namespace="default",pod="web"} 1.6999999e+09 1700000000000
node_cpu_usage_seconds_total 1234.000000001 1700000000001
node_memory_working_set_bytes 3.3554432e+07 1700000000001
pod_cpu_usage_seconds_total{namespace="default",pod="web"} 4.75 1700000000000
scrape_error 0
`;

describe('decodeResourceMetrics', () => {
  it('reads the node and containers as metrics-server does', () => {
    const b = decodeResourceMetrics(GOOD, 5);
    assert.deepEqual(b.node, { timestamp: 1700000000001, startTime: 0, cumulativeCpu: 1234000000001, memory: 33554432 });
    const web = b.pods.get('default/web')!;
    assert.deepEqual(web.get('app'), { timestamp: 1700000000000, startTime: 1699999900000, cumulativeCpu: 4_500_000_000, memory: 1048576 });
    assert.equal(web.get('side')!.cumulativeCpu, 250_000_000);
  });

  it('gives points without a timestamp the time of the request', () => {
    const b = decodeResourceMetrics('node_cpu_usage_seconds_total 1\nnode_memory_working_set_bytes 10\n', 42);
    assert.equal(b.node?.timestamp, 42);
  });

  const table: [string, string, (b: ReturnType<typeof decodeResourceMetrics>) => void][] = [
    ['a node without memory is left out', 'node_cpu_usage_seconds_total 1 10\n', (b) => assert.equal(b.node, undefined)],
    ['a node with a zero counter is left out', 'node_cpu_usage_seconds_total 0 10\nnode_memory_working_set_bytes 10 10\n', (b) => assert.equal(b.node, undefined)],
    [
      'a pod whose container has no memory yet is left out',
      'container_cpu_usage_seconds_total{container="a",namespace="n",pod="p"} 1 10\ncontainer_cpu_usage_seconds_total{container="b",namespace="n",pod="p"} 1 10\ncontainer_memory_working_set_bytes{container="a",namespace="n",pod="p"} 5 10\n',
      (b) => assert.equal(b.pods.size, 0),
    ],
    ['a container with only a start time leaves its pod out', 'container_start_time_seconds{container="a",namespace="n",pod="p"} 1 10\n', (b) => assert.equal(b.pods.size, 0)],
    ['series without pod labels are skipped', 'container_cpu_usage_seconds_total{container="a"} 1 10\n', (b) => assert.equal(b.pods.size, 0)],
    ['NaN, Inf and negative values are skipped', 'node_cpu_usage_seconds_total NaN 10\nnode_memory_working_set_bytes -5 10\nnode_cpu_usage_seconds_total +Inf\n', (b) => assert.equal(b.node, undefined)],
    ['escapes in label values', 'container_cpu_usage_seconds_total{container="a\\"b",namespace="n\\\\s",pod="p\\nq"} 1 10\ncontainer_memory_working_set_bytes{container="a\\"b",namespace="n\\\\s",pod="p\\nq"} 1 10\n', (b) => assert.ok(b.pods.get('n\\s/p\nq')?.get('a"b'))],
    ['unknown families are not parsed at all', 'other_metric{{{ garbage\nnode_cpu_usage_seconds_total 1 1\nnode_memory_working_set_bytes 1 1\n', (b) => assert.ok(b.node)],
    ['CRLF line ends and blank lines', 'node_cpu_usage_seconds_total 1 1\r\n\r\nnode_memory_working_set_bytes 1 1\r\n', (b) => assert.ok(b.node)],
  ];
  for (const [name, body, check] of table) it(name, () => check(decodeResourceMetrics(body, 1)));

  const limits: ParseLimits = { maxBytes: 10_000, maxLineBytes: 200, maxSeries: 5, maxLines: 50 };
  const hostile: [string, string, RegExp][] = [
    ['a body over the size limit', 'x'.repeat(10_001), /over the limit/],
    ['a huge line', `node_cpu_usage_seconds_total{a="${'x'.repeat(500)}"} 1\n`, /longer than 200 bytes/],
    ['too many series', 'node_cpu_usage_seconds_total 1\n'.repeat(6), /more than 5 series/],
    ['too many lines', '# c\n'.repeat(60), /more than 50 lines/],
    ['a line that is not a metric', '!!!\n', /expected a metric name/],
    ['a garbage value', 'node_cpu_usage_seconds_total abc\n', /invalid value/],
    ['a garbage timestamp', 'node_cpu_usage_seconds_total 1 1.5\n', /invalid timestamp/],
    ['too many fields', 'node_cpu_usage_seconds_total 1 2 3\n', /expected "value \[timestamp\]"/],
    ['no value', 'node_cpu_usage_seconds_total\n', /expected a value/],
    ['an unterminated label value', 'container_cpu_usage_seconds_total{pod="p 1\n', /unterminated label value/],
    ['a bad escape', 'container_cpu_usage_seconds_total{pod="\\x"} 1\n', /invalid escape/],
    ['a duplicate label', 'container_cpu_usage_seconds_total{pod="a",pod="b"} 1\n', /duplicate label/],
    ['labels without a closing brace', 'container_cpu_usage_seconds_total{pod="a" 1\n', /expected , or \}/],
  ];
  for (const [name, body, re] of hostile) {
    it(`refuses ${name}`, () =>
      assert.throws(
        () => decodeResourceMetrics(body, 1, limits),
        (e: unknown) => e instanceof ResourceMetricsError && re.test((e as Error).message),
      ));
  }

  it('survives random bytes without anything but its own error', () => {
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const alphabet = 'container_cpu_usage_seconds_total{}="\\, \n0123456789.eE+-#NaInf';
    for (let i = 0; i < 2000; i++) {
      let s = '';
      const n = Math.floor(rnd() * 120);
      for (let j = 0; j < n; j++) s += alphabet[Math.floor(rnd() * alphabet.length)];
      try {
        decodeResourceMetrics(s, 1);
      } catch (e) {
        assert.ok(e instanceof ResourceMetricsError, `${JSON.stringify(s)}: ${(e as Error).message}`);
      }
    }
  });

  it('parses one line with spaces in label lists', () => {
    const s = parseSampleLine('container_cpu_usage_seconds_total{ container="a" , pod="b",} 3 7', 1);
    assert.equal(s.labels.get('container'), 'a');
    assert.equal(s.labels.get('pod'), 'b');
    assert.equal(s.timestamp, 7);
  });

  it('reads plain decimal seconds exactly as nanoseconds', () => {
    assert.equal(nanos('12.345678901', 12.345678901), 12_345_678_901);
    assert.equal(nanos('3', 3), 3e9);
    assert.equal(nanos('1.5e3', 1500), 1.5e12);
    assert.equal(nanos('0.1234567899', 0.1234567899), 123_456_789);
  });
});
