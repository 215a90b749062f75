// The credentials of the simulated nodes' kubelet endpoint, from the cluster `gifee sim nodes`
// joins: the cluster CA (from the kubeconfig) to check the API server's kubelet-client certificate,
// that identity as the only certificate user, and a serving certificate per node from the
// kubelet-serving signer. The node approver only approves a node's own request, so the sim (an
// administrator's kubeconfig) approves the ones it makes for its simulated nodes itself, as
// `kubectl certificate approve` would.

import type { ClientConfig } from '../client/rest.js';
import { RestClient } from '../client/rest.js';
import { SIMULATED_NODE_IP } from '../api/simulated-nodes.js';
import type { SimKubeletCredentials } from '../sim/kubelet-endpoint.js';
import { requestCertificate } from './csr-client.js';
import { KUBELET_CLIENT_USER } from './pki.js';

const KUBELET_SERVING = 'kubernetes.io/kubelet-serving';

export function simKubeletCredentials(config: ClientConfig): SimKubeletCredentials & { close(): void } {
  if (!config.ca) throw new Error('the kubeconfig names no cluster CA (certificate-authority-data): simulated nodes need it to check the API server that reaches their kubelet endpoint');
  const client = new RestClient({ ...config, userAgent: 'gifee-sim-nodes (certificates)' });
  return {
    clientCA: config.ca,
    certUsers: [KUBELET_CLIENT_USER],
    servingCertificate: async (node) => {
      const pair = await requestCertificate(
        client,
        { commonName: `system:node:${node}`, organizations: ['system:nodes'], dnsNames: [node], ips: [SIMULATED_NODE_IP] },
        {
          generateName: `sim-kubelet-serving-${node.slice(0, 30)}-`,
          signerName: KUBELET_SERVING,
          usages: ['digital signature', 'server auth'],
          approve: { reason: 'SimulatedNode', message: `approved by gifee sim nodes for the kubelet endpoint of its simulated node ${node}` },
          timeoutMs: 60_000,
        },
      );
      return { cert: pair.cert, key: pair.key };
    },
    close: () => client.close(),
  };
}
