import { test } from 'node:test';
import assert from 'node:assert/strict';
import { admissionRefusal } from './admission.js';
import type { Pod } from '../pods/types.js';
import type { PressureCondition } from './thresholds.js';

const pod = (o: { memory?: string; priority?: number; tolerations?: unknown[] } = {}): Pod => ({
  metadata: { name: 'p', namespace: 'd', uid: 'u' },
  spec: { containers: [{ name: 'c', image: 'i', ...(o.memory ? { resources: { requests: { memory: o.memory } } } : {}) }], ...(o.priority !== undefined ? { priority: o.priority } : {}), ...(o.tolerations ? { tolerations: o.tolerations } : {}) } as Pod['spec'],
});
const set = (...c: PressureCondition[]) => new Set(c);

test('admission under pressure, as the kubelet decides it', () => {
  const cases: { name: string; pod: Pod; pressure: Set<PressureCondition>; want: string | undefined }[] = [
    { name: 'no pressure: anything', pod: pod(), pressure: set(), want: undefined },
    { name: 'memory pressure: BestEffort refused', pod: pod(), pressure: set('MemoryPressure'), want: 'The node had condition: [MemoryPressure]. ' },
    { name: 'memory pressure: Burstable admitted', pod: pod({ memory: '64Mi' }), pressure: set('MemoryPressure'), want: undefined },
    { name: 'memory pressure: BestEffort tolerating the taint admitted', pod: pod({ tolerations: [{ key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' }] }), pressure: set('MemoryPressure'), want: undefined },
    { name: 'memory pressure: a toleration for another taint does not help', pod: pod({ tolerations: [{ key: 'node.kubernetes.io/disk-pressure', operator: 'Exists' }] }), pressure: set('MemoryPressure'), want: 'The node had condition: [MemoryPressure]. ' },
    { name: 'memory pressure: a tolerate-everything toleration helps', pod: pod({ tolerations: [{ operator: 'Exists' }] }), pressure: set('MemoryPressure'), want: undefined },
    { name: 'disk pressure: everyone refused', pod: pod({ memory: '64Mi' }), pressure: set('DiskPressure'), want: 'The node had condition: [DiskPressure]. ' },
    { name: 'memory and PID pressure: refused, conditions in order', pod: pod({ memory: '64Mi' }), pressure: set('PIDPressure', 'MemoryPressure'), want: 'The node had condition: [MemoryPressure PIDPressure]. ' },
    { name: 'critical pods always admitted', pod: pod({ priority: 2_000_001_000 }), pressure: set('DiskPressure', 'PIDPressure'), want: undefined },
  ];
  for (const c of cases) assert.equal(admissionRefusal(c.pod, c.pressure), c.want, c.name);
});
