// The root CA publisher: every active namespace has a ConfigMap kube-root-ca.crt whose ca.crt is
// the cluster CA, so pods can verify the API server (their token volume projects it). Created when
// a namespace appears, recreated when deleted, and put back when someone changes it.

import type { Namespace } from '../../api/core/index.js';
import type { KObject } from '../../api/kind.js';
import type { InformerLike } from '../../client/informer.js';
import type { InformerFactory } from '../../client/informer-factory.js';
import { R } from '../../client/resources.js';
import { isNamespaceTerminating, StatusError, type RestClient } from '../../client/rest.js';
import type { Logger } from '../../util/log.js';
import { Controller } from '../controller.js';

export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
const DESCRIPTION = 'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';

export class RootCaPublisher extends Controller {
  private namespaces: InformerLike;
  private configMaps: InformerLike;

  constructor(
    private client: RestClient,
    factory: InformerFactory,
    log: Logger,
    private caCert: string,
  ) {
    super('root-ca-cert-publisher', log, factory);
    this.namespaces = this.informers.informer(R.namespaces);
    // Only the one ConfigMap per namespace: no cache of every ConfigMap in the cluster.
    this.configMaps = this.informers.informer(R.configmaps, { query: { fieldSelector: `metadata.name=${ROOT_CA_CONFIGMAP}` } });
    this.watch(this.namespaces, (_old, o) => o?.metadata?.name);
    this.watch(this.configMaps, (old, o) => (o ?? old)?.metadata?.namespace);
  }

  protected async reconcile(namespace: string) {
    const ns = this.namespaces.get(namespace);
    if (!ns || ns.metadata?.deletionTimestamp || (ns as Namespace).status?.phase === 'Terminating') return;
    const cm = this.configMaps.get(`${namespace}/${ROOT_CA_CONFIGMAP}`);
    const want = { 'ca.crt': this.caCert };
    try {
      if (!cm) {
        const obj: KObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: ROOT_CA_CONFIGMAP, namespace, annotations: { 'kubernetes.io/description': DESCRIPTION } }, data: want };
        await this.client.create(R.configmaps, namespace, obj);
        return;
      }
      const data = (cm.data ?? {}) as Record<string, string>;
      if (Object.keys(data).length === 1 && data['ca.crt'] === this.caCert && !cm.binaryData) return;
      const fixed: KObject = { ...structuredClone(cm), data: want };
      delete fixed.binaryData;
      await this.client.update(R.configmaps, fixed);
      this.log.info('restored the root CA ConfigMap', { namespace });
    } catch (e) {
      if (e instanceof StatusError && (e.code === 409 || e.code === 404)) return this.enqueue(namespace); // our cache is behind, or the namespace went away
      if (isNamespaceTerminating(e)) return;
      throw e;
    }
  }
}
