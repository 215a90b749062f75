// The node agent's questions to the API server, as the kubelet's webhook authentication and
// authorization ask them: TokenReview (who is this bearer token?) and SubjectAccessReview (may this
// user do this on my Node?), in their authentication.k8s.io/v1 and authorization.k8s.io/v1 shapes.

import type { RestClient } from '../../client/rest.js';

export interface Caller {
  name: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/** What is asked of the API for a request to the agent: always a subresource of the agent's Node. */
export interface NodeAccess {
  verb: string;
  node: string;
  subresource: string;
}

export interface AccessReviews {
  /** The token's user, or null when the API does not accept it. Throws when the API could not be asked. */
  tokenReview(token: string): Promise<Caller | null>;
  /** Whether the user may; throws when the API could not be asked. */
  subjectAccessReview(user: Caller, access: NodeAccess): Promise<boolean>;
}

interface TokenReviewStatus {
  authenticated?: boolean;
  user?: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> };
}

export function apiAccessReviews(client: RestClient): AccessReviews {
  return {
    async tokenReview(token) {
      const r = await client.request<{ status?: TokenReviewStatus }>('POST', '/apis/authentication.k8s.io/v1/tokenreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } });
      const u = r?.status?.authenticated ? r.status.user : undefined;
      if (!u?.username) return null;
      return { name: u.username, uid: u.uid, groups: Array.isArray(u.groups) ? u.groups.filter((g) => typeof g === 'string') : [], extra: u.extra };
    },
    async subjectAccessReview(user, a) {
      const spec = { user: user.name, uid: user.uid, groups: user.groups, extra: user.extra, resourceAttributes: { verb: a.verb, group: '', version: 'v1', resource: 'nodes', subresource: a.subresource, name: a.node } };
      const r = await client.request<{ status?: { allowed?: boolean; denied?: boolean } }>('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec });
      return r?.status?.allowed === true && r.status.denied !== true;
    },
  };
}
