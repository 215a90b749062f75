// A "third-party" CSI driver in a process of its own, as a DaemonSet pod runs one: the driver
// serves CSI on its socket, and beside it a registrar (what node-driver-registrar does) serves the
// registration socket <registry>/<name>-reg.sock naming that endpoint. Like node-driver-registrar it
// exits non-zero when the agent reports a failed registration, and cleans its sockets up on SIGTERM.
// Prints "registered" once the agent says so.
//
//   node csi-driver-process.js --name NAME --endpoint /abs/csi.sock --registry DIR [--node-id ID] [--version V]

import { parseArgs } from 'node:util';
import { serveCsi } from '../../src/csi/grpc-server.js';
import { serveRegistration } from '../../src/csi/registration.js';
import { testDriver } from './csi-test-driver.js';

const { values } = parseArgs({ options: { name: { type: 'string' }, endpoint: { type: 'string' }, registry: { type: 'string' }, 'node-id': { type: 'string' }, version: { type: 'string' } } });
if (!values.name || !values.endpoint || !values.registry) {
  console.error('usage: csi-driver-process --name NAME --endpoint /abs/csi.sock --registry DIR [--node-id ID] [--version V]');
  process.exit(2);
}
const name = values.name;
const csi = await serveCsi(testDriver({ name, nodeId: values['node-id'] ?? `${name}-node`, maxVolumesPerNode: 3 }), values.endpoint);
const registration = await serveRegistration(values.registry, {
  name,
  endpoint: values.endpoint,
  versions: [values.version ?? '1.0.0'],
  onStatus: (s) => {
    if (s.pluginRegistered) console.log('registered');
    else {
      console.error(`registration failed: ${s.error}`);
      // node-driver-registrar's answer to a refusal: exit, to be restarted.
      setTimeout(() => void stop(1), 10);
    }
  },
});
console.log('serving');

async function stop(code: number) {
  await registration.close();
  await csi.close();
  process.exit(code);
}
process.once('SIGTERM', () => void stop(0));
