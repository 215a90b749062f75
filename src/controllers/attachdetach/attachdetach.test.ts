// The attach-detach controller against a real API server: a pod scheduled to a node using a CSI
// volume whose driver needs attaching gets a VolumeAttachment (Kubernetes' name and spec); a driver
// with attachRequired false gets none; the attachment goes once no running pod uses the volume and
// the node no longer lists it in volumesInUse.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startInProcessApi } from '../../../test/helpers/in-process-api.js';
import { until } from '../../../test/helpers/wait.js';
import { InformerFactory } from '../../client/informer-factory.js';
import { R } from '../../client/resources.js';
import { isNotFound, RestClient } from '../../client/rest.js';
import { logger } from '../../util/log.js';
import { AttachDetachController, attachmentName } from './attachdetach.js';

const VA = { group: 'storage.k8s.io', version: 'v1', plural: 'volumeattachments', namespaced: false };
const CSID = { group: 'storage.k8s.io', version: 'v1', plural: 'csidrivers', namespaced: false };

test('one VolumeAttachment per (CSI volume, node) while a pod there uses it', async () => {
  const api = await startInProcessApi();
  const client = new RestClient({ server: api.server.url, ca: api.pki.ca.cert, cert: api.pki.admin.cert, key: api.pki.admin.key });
  const factory = new InformerFactory(client, logger('informers'));
  const ctl = new AttachDetachController(client, factory, logger('attachdetach'));
  try {
    ctl.start();
    await client.create(R.nodes, undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } });
    await client.create(CSID, undefined, { apiVersion: 'storage.k8s.io/v1', kind: 'CSIDriver', metadata: { name: 'ext.csi.example.com' }, spec: { attachRequired: true } });
    await client.create(CSID, undefined, { apiVersion: 'storage.k8s.io/v1', kind: 'CSIDriver', metadata: { name: 'noattach.csi.example.com' }, spec: { attachRequired: false } });
    for (const [name, driver] of [
      ['ext', 'ext.csi.example.com'],
      ['plain', 'noattach.csi.example.com'],
    ]) {
      await client.create(R.persistentvolumes, undefined, { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: `pv-${name}` }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], csi: { driver, volumeHandle: `h-${name}` }, claimRef: { namespace: 'default', name } } });
      await client.create(R.persistentvolumeclaims, 'default', { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, volumeName: `pv-${name}` } });
    }
    await client.create(R.pods, 'default', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: {
        nodeName: 'n1',
        containers: [{ name: 'c', image: 'x' }],
        volumes: [
          { name: 'a', persistentVolumeClaim: { claimName: 'ext' } },
          { name: 'b', persistentVolumeClaim: { claimName: 'plain' } },
        ],
      },
    });
    const name = attachmentName('h-ext', 'ext.csi.example.com', 'n1');
    const exists = async (n: string) =>
      client.get(VA, undefined, n).then(
        () => true,
        (e) => (isNotFound(e) ? false : Promise.reject(e)),
      );
    await until('the VolumeAttachment', () => exists(name), { timeoutMs: 20_000 });
    const va = await client.get(VA, undefined, name);
    assert.deepEqual(va.spec, { attacher: 'ext.csi.example.com', nodeName: 'n1', source: { persistentVolumeName: 'pv-ext' } });
    assert.equal((await client.list(VA)).items.length, 1, 'none for the driver that needs no attaching');
    // One made by hand for a volume that does not exist is not ours to detach (Kubernetes skips it).
    await client.create(VA, undefined, { apiVersion: 'storage.k8s.io/v1', kind: 'VolumeAttachment', metadata: { name: 'by-hand' }, spec: { attacher: 'ext.csi.example.com', nodeName: 'n1', source: { persistentVolumeName: 'pv-missing' } } });

    // The pod finishes while the agent still has the volume mounted: the attachment stays until it is unmounted.
    const node = await client.get(R.nodes, undefined, 'n1');
    await client.update(R.nodes, { ...node, status: { volumesInUse: ['kubernetes.io/csi/ext.csi.example.com^h-ext'] } }, 'status');
    await client.patch(R.pods, 'default', 'p', { status: { phase: 'Succeeded' } }, 'merge', 'status');
    await new Promise((r) => setTimeout(r, 500));
    assert.ok(await exists(name));
    const n2 = await client.get(R.nodes, undefined, 'n1');
    await client.update(R.nodes, { ...n2, status: { volumesInUse: [] } }, 'status');
    await until('detached', async () => !(await exists(name)), { timeoutMs: 20_000 });
    assert.ok(await exists('by-hand'), 'the attachment of an unknown volume stays');
  } finally {
    ctl.stop();
    factory.stop();
    client.close();
    await api.stop();
  }
});
