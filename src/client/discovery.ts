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

/**
 * The resource serving apiVersion/kind (any group and version the server serves, custom kinds
 * included), from that group version's discovery document; undefined when it is not served.
 * What an operator uses to turn a GVK into a ResourceRef for the RestClient and informers.
 */
export async function resourceForKind(client: RestClient, apiVersion: string, kind: string): Promise<ServedResource | undefined> {
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  let list: ResourceList;
  try {
    list = await client.request<ResourceList>('GET', group ? `/apis/${group}/${version}` : `/api/${version}`);
  } catch (e) {
    if ((e as { code?: number }).code === 404) return undefined;
    throw e;
  }
  const r = list.resources.find((x) => x.kind === kind && !x.name.includes('/'));
  return r && { group, version, plural: r.name, kind: r.kind, namespaced: r.namespaced, verbs: r.verbs };
}
