// Which resources the server serves: every group's preferred version, with kind, scope and verbs.
// Controllers that act on all kinds (garbage collector, namespace deletion) build on this.

import type { RestClient } from './rest.js';

export interface ServedResource {
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
  verbs: string[];
}

interface ResourceList {
  resources: { name: string; kind: string; namespaced: boolean; verbs: string[]; group?: string }[];
}

export async function discoverResources(client: RestClient): Promise<ServedResource[]> {
  const out: ServedResource[] = [];
  const add = (group: string, version: string, list: ResourceList) => {
    for (const r of list.resources) {
      if (r.name.includes('/')) continue; // subresources
      out.push({ group, version, plural: r.name, kind: r.kind, namespaced: r.namespaced, verbs: r.verbs });
    }
  };
  add('', 'v1', await client.request<ResourceList>('GET', '/api/v1'));
  const groups = await client.request<{ groups: { name: string; preferredVersion: { version: string } }[] }>('GET', '/apis');
  await Promise.all(
    groups.groups.map(async (g) => {
      add(g.name, g.preferredVersion.version, await client.request<ResourceList>('GET', `/apis/${g.name}/${g.preferredVersion.version}`));
    }),
  );
  return out;
}

/** "apps/v1" + "Deployment" -> the served resource, for following owner references. Any served version
 * of the group will do: an object is the same object in every version. */
export function byApiVersionKind(resources: ServedResource[], apiVersion: string, kind: string): ServedResource | undefined {
  const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
  return resources.find((r) => r.group === group && r.kind === kind);
}
