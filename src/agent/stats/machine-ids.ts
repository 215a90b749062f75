// The machine's identifiers cAdvisor labels machine_* series with: the kernel's boot id, systemd's
// machine id and the firmware's system UUID (empty when a file cannot be read, as cAdvisor leaves it).

import { readSmall } from './cgroup-reader.js';
import type { MachineIds } from './cadvisor-metrics.js';

export function readMachineIds(): MachineIds {
  const first = (...paths: string[]) => {
    for (const p of paths) {
      const t = readSmall(p)?.trim();
      if (t) return t;
    }
    return '';
  };
  return {
    boot_id: first('/proc/sys/kernel/random/boot_id'),
    machine_id: first('/etc/machine-id', '/var/lib/dbus/machine-id'),
    system_uuid: first('/sys/class/dmi/id/product_uuid').toLowerCase(),
  };
}
