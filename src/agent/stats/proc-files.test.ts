import { test } from 'node:test';
import assert from 'node:assert/strict';
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
