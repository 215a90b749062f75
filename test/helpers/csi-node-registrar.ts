// What kubernetes-csi's node-driver-registrar does, as the second container of a driver's DaemonSet
// pod: wait for the driver's CSI socket (--csi-address, the path inside this container), ask it its
// name (GetPluginInfo), then serve <--plugin-registration-path>/<name>-reg.sock telling the agent
// where the driver's socket is ON THE HOST (--kubelet-registration-path). Exits non-zero when the
// agent reports a failed registration (to be restarted) and removes its socket on SIGTERM.
//
//   node csi-node-registrar.js --csi-address /csi/csi.sock --kubelet-registration-path /host/.../csi.sock [--plugin-registration-path /registration]

import { parseArgs } from 'node:util';
import { connectCsi } from '../../src/csi/grpc-client.js';
import { serveRegistration } from '../../src/csi/registration.js';

const { values } = parseArgs({ options: { 'csi-address': { type: 'string' }, 'kubelet-registration-path': { type: 'string' }, 'plugin-registration-path': { type: 'string', default: '/registration' } } });
const csiAddress = values['csi-address'];
const hostEndpoint = values['kubelet-registration-path'];
if (!csiAddress || !hostEndpoint) {
  console.error('usage: csi-node-registrar --csi-address /csi/csi.sock --kubelet-registration-path /abs/host/csi.sock [--plugin-registration-path DIR]');
  process.exit(2);
}

// The driver container may start after this one: ask until it answers (node-driver-registrar retries likewise).
const csi = connectCsi(csiAddress, { infoTimeoutMs: 2_000 });
let name = '';
for (let attempt = 1; ; attempt++) {
  try {
    name = (await csi.getPluginInfo()).name;
    break;
  } catch (e) {
    if (attempt % 10 === 1) console.error(`waiting for the driver at ${csiAddress}: ${(e as Error).message}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
csi.close();
console.log(`driver ${name} answers on ${csiAddress}; registering ${hostEndpoint}`);

const registration = await serveRegistration(values['plugin-registration-path']!, {
  name,
  endpoint: hostEndpoint,
  onStatus: (s) => {
    if (s.pluginRegistered) console.log(`registered ${name}`);
    else {
      console.error(`registration failed: ${s.error}`);
      setTimeout(() => void stop(1), 10);
    }
  },
});

async function stop(code: number) {
  await registration.close();
  process.exit(code);
}
process.once('SIGTERM', () => void stop(0));
