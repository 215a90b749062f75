// Where a pod's streams are served: its node's agent (address and kubelet port from the Node's
// status) and which container the request means, with Kubernetes' messages when that is unclear.

import type { Node, Pod } from '../../api/core/index.js';
import type { KObject } from '../../api/kind.js';
import type { RequestContext } from '../context.js';
import { ApiError, badRequest, notFound } from '../../api/errors.js';
import type { KubeletEndpoint } from './kubelet-client.js';

/** What locating reads of a pod and of its node. */
type PodShape = Pick<Pod, 'metadata' | 'spec'>;
type NodeShape = Pick<Node, 'status'>;

export interface PodLocation {
  pod: KObject;
  node: string;
  endpoint: KubeletEndpoint;
  container?: string;
}

const DEFAULT_CONTAINER_ANNOTATION = 'kubectl.kubernetes.io/default-container';

export function pickContainer(pod: PodShape, requested: string | null): string {
  const name = pod.metadata?.name ?? '';
  const spec = pod.spec ?? {};
  const main = (spec.containers ?? []).map((c) => c.name);
  const all = [...main, ...(spec.initContainers ?? []).map((c) => c.name), ...(spec.ephemeralContainers ?? []).map((c) => c.name)];
  if (requested) {
    if (!all.includes(requested)) throw badRequest(`container ${requested} is not valid for pod ${name}`);
    return requested;
  }
  if (main.length === 1) return main[0];
  const preferred = pod.metadata?.annotations?.[DEFAULT_CONTAINER_ANNOTATION];
  if (preferred && main.includes(preferred)) return preferred;
  throw badRequest(`a container name must be specified for pod ${name}, choose one of: [${main.join(' ')}]`);
}

export async function locatePod(rc: RequestContext, withContainer: boolean): Promise<PodLocation> {
  const { obj: pod } = await rc.api.objects(rc.def).mustGet(rc.info.namespace, rc.info.name!);
  const p = pod as PodShape;
  const container = withContainer ? pickContainer(p, rc.query.get('container')) : undefined;
  const node = p.spec?.nodeName;
  if (!node) throw badRequest(`pod ${rc.info.name} does not have a host assigned`);
  return { pod, node, endpoint: await nodeEndpoint(rc, node), container };
}

/** Where a Node's agent listens: an address the registered Node lists (the API server never dials where a request points it) and its kubelet port. */
export async function nodeEndpoint(rc: RequestContext, node: string): Promise<KubeletEndpoint> {
  const nodeDef = rc.api.registry.byResource('', 'v1', 'nodes');
  const stored = nodeDef ? await rc.api.objects(nodeDef).get(undefined, node) : null;
  if (!stored) throw notFound({ group: '', resource: 'nodes' }, node);
  const n = stored.obj as NodeShape;
  const addresses = n.status?.addresses ?? [];
  const host = addresses.find((a) => a.type === 'InternalIP')?.address ?? addresses.find((a) => a.type === 'Hostname')?.address;
  if (!host) throw new ApiError(503, 'ServiceUnavailable', `node ${node} reports no InternalIP or Hostname address: is its agent running?`);
  const port = n.status?.daemonEndpoints?.kubeletEndpoint?.Port || 10250;
  return { host, port, node };
}
