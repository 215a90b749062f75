import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateExternalFields } from './service-external.js';

test("loadBalancerIP, externalIPs and healthCheckNodePort: Kubernetes' field errors", () => {
  const cases: [Record<string, unknown>, string[]][] = [
    [{ type: 'LoadBalancer', loadBalancerIP: '10.250.0.200' }, []],
    [{ type: 'LoadBalancer', loadBalancerIP: 'not-an-ip' }, ['spec.loadBalancerIP: Invalid value: "not-an-ip": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)']],
    [{ type: 'LoadBalancer', loadBalancerIP: '10.0.0.256' }, ['spec.loadBalancerIP: Invalid value: "10.0.0.256": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)']],
    [{ type: 'LoadBalancer', loadBalancerIP: 'fd00::1' }, ['spec.loadBalancerIP: Invalid value: "fd00::1": an IPv6 address: gifee\'s Services are IPv4 only']],
    [
      { externalIPs: ['192.0.2.7', '127.0.0.1', '0.0.0.0', '169.254.1.1', '224.0.0.5', 'x'] },
      [
        'spec.externalIPs[1]: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
        'spec.externalIPs[2]: Invalid value: "0.0.0.0": may not be unspecified (0.0.0.0)',
        'spec.externalIPs[3]: Invalid value: "169.254.1.1": may not be in the link-local range (169.254.0.0/16, fe80::/10)',
        'spec.externalIPs[4]: Invalid value: "224.0.0.5": may not be in the multicast range (224.0.0.0/4, ff00::/8)',
        'spec.externalIPs[5]: Invalid value: "x": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
      ],
    ],
    [{ externalIPs: Array.from({ length: 300 }, () => '192.0.2.7') }, ['spec.externalIPs: Invalid value: "300 addresses": must have at most 256 items']],
    [{ type: 'LoadBalancer', externalTrafficPolicy: 'Local', healthCheckNodePort: 30100 }, []],
    [{ type: 'LoadBalancer', externalTrafficPolicy: 'Cluster', healthCheckNodePort: 30100 }, ["spec.healthCheckNodePort: Invalid value: 30100: may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"]],
    [{ type: 'NodePort', externalTrafficPolicy: 'Local', healthCheckNodePort: 30100 }, ["spec.healthCheckNodePort: Invalid value: 30100: may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"]],
    [{ type: 'LoadBalancer', externalTrafficPolicy: 'Local', healthCheckNodePort: 70000 }, ['spec.healthCheckNodePort: Invalid value: 70000: must be between 1 and 65535, inclusive']],
  ];
  for (const [spec, want] of cases) {
    assert.deepEqual(
      validateExternalFields(spec).map((e) => `${e.field}: ${e.message}`),
      want,
      JSON.stringify(spec).slice(0, 200),
    );
  }
});
