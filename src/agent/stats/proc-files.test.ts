import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpuNsFromPidStat, readProcessSample, sumSamples } from './process-sample.js';
import { busyCpuNsFromProcStat, parseCpuacctStat, parseCpuStatV2, parseLimit, parseNetDev } from './proc-files.js';

const NET_DEV = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:    1296      16    0    0    0     0          0         0     1296      16    0    0    0     0       0          0
  eth0: 1234567    890    1    2    0     0          0         0   765432     321    3    4    0     0       0          0
garbage line
 bad0: x y z
`;

test('/proc/net/dev: every interface with bytes, packets, errors and drops both ways; junk skipped', () => {
  const ifs = parseNetDev(NET_DEV);
  assert.deepEqual(
    ifs.map((i) => i.name),
    ['lo', 'eth0'],
  );
  assert.deepEqual(ifs[1], { name: 'eth0', rxBytes: 1234567, rxPackets: 890, rxErrors: 1, rxDropped: 2, txBytes: 765432, txPackets: 321, txErrors: 3, txDropped: 4 });
  assert.deepEqual(parseNetDev(''), []);
});

test('/proc/stat: busy time is everything but idle and iowait, in ns', () => {
  // user nice system idle iowait irq softirq steal guest guest_nice
  assert.equal(busyCpuNsFromProcStat('cpu  100 10 50 9999 77 5 5 30 0 0\ncpu0 1 2 3 4\n'), 200 * 1e7);
  assert.equal(busyCpuNsFromProcStat('intr 1 2\n'), undefined);
});

test('cgroup v1 cpuacct.stat (USER_HZ ticks) and v2 cpu.stat (microseconds) in ns', () => {
  assert.deepEqual(parseCpuacctStat('user 250\nsystem 50\n'), { userNs: 2.5e9, systemNs: 0.5e9 });
  assert.deepEqual(parseCpuStatV2('usage_usec 1500000\nuser_usec 1000000\nsystem_usec 500000\nnr_periods 0\n'), { usageNs: 1.5e9, userNs: 1e9, systemNs: 0.5e9 });
  assert.deepEqual(parseCpuStatV2('nr_periods 3\n'), { usageNs: undefined, userNs: undefined, systemNs: undefined });
});

test('limits: "max" and v1\'s page-rounded "unlimited" are no limit', () => {
  assert.equal(parseLimit('max\n'), undefined);
  assert.equal(parseLimit('9223372036854771712\n'), undefined);
  assert.equal(parseLimit('134217728\n'), 134217728);
  assert.equal(parseLimit(undefined), undefined);
  assert.equal(parseLimit('junk'), undefined);
});

test('/proc/<pid>/stat: utime+stime+cutime+cstime, with a command holding spaces and parentheses', () => {
  const stat = '4242 (my (odd) cmd) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 7 3 20 0 1 0 12345 1000000 200 18446744073709551615\n';
  assert.deepEqual(cpuNsFromPidStat(stat), { cpuNs: 310 * 1e7, userNs: 257 * 1e7, systemNs: 53 * 1e7 });
  assert.equal(cpuNsFromPidStat('garbage'), undefined);
});

test('a live process reads; a pod sums its containers', { skip: process.platform !== 'linux' }, () => {
  const s = readProcessSample(process.pid)!;
  assert.ok(s.cpuNs > 0 && (s.rss ?? 0) > 0, JSON.stringify(s));
  assert.equal(readProcessSample(2 ** 22 + 12345), undefined);
  const sum = sumSamples([
    { time: 1, cpuNs: 1, memoryUsage: 2, workingSet: 2, rss: 2 },
    { time: 5, cpuNs: 3, memoryUsage: 4, workingSet: 4, rss: 4 },
  ])!;
  assert.deepEqual([sum.time, sum.cpuNs, sum.workingSet], [5, 4, 6]);
});
