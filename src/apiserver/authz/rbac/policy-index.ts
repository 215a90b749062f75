// The RBAC objects in memory, indexed by subject, so a decision visits only the bindings that name
// the requesting user, one of its groups, or (for a service account user) its ServiceAccount: cost
// O(bindings of that subject), not O(all bindings). ServiceAccount subjects are indexed under their
// user name (system:serviceaccount:NS:NAME), so users and service accounts share one lookup.

import type { KObject } from '../../../api/kind.js';
import type { Binding, ClusterRole, PolicyRule, Role, Subject } from '../../../api/kinds/rbac/types.js';
import type { UserInfo } from '../../context.js';

export type RbacKind = 'Role' | 'ClusterRole' | 'RoleBinding' | 'ClusterRoleBinding';

/** A binding found for a user, with the subject that matched (for the decision's reason). */
export interface MatchedBinding {
  binding: Binding;
  subject: Subject;
}

const userKey = (name: string) => `u:${name}`;
const groupKey = (name: string) => `g:${name}`;

/** The index key of a subject, or undefined for an unknown kind. */
function subjectKey(s: Subject, bindingNamespace: string | undefined): string | undefined {
  if (!s || typeof s.name !== 'string') return undefined;
  if (s.kind === 'User') return userKey(s.name);
  if (s.kind === 'Group') return groupKey(s.name);
  if (s.kind === 'ServiceAccount') {
    const ns = s.namespace || bindingNamespace;
    return ns ? userKey(`system:serviceaccount:${ns}:${s.name}`) : undefined;
  }
  return undefined;
}

/** The keys a user's bindings can be found under: its name and each group. */
export function keysOf(user: UserInfo): string[] {
  return [userKey(user.name), ...user.groups.map(groupKey)];
}

const nsName = (o: KObject) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

export class PolicyIndex {
  readonly roles = new Map<string, Role>();
  readonly clusterRoles = new Map<string, ClusterRole>();
  private clusterBindings = new Map<string, Binding>();
  private roleBindings = new Map<string, Binding>();
  /** subject key → ClusterRoleBinding names. */
  private clusterBySubject = new Map<string, Set<string>>();
  /** subject key → namespace → RoleBinding keys (ns/name). */
  private roleBySubject = new Map<string, Map<string, Set<string>>>();

  put(kind: RbacKind, obj: KObject) {
    switch (kind) {
      case 'Role':
        this.roles.set(nsName(obj), obj as Role);
        return;
      case 'ClusterRole':
        this.clusterRoles.set(obj.metadata?.name ?? '', obj as ClusterRole);
        return;
      case 'ClusterRoleBinding':
        this.remove(kind, obj);
        this.clusterBindings.set(obj.metadata?.name ?? '', obj as Binding);
        for (const k of this.keysOfBinding(obj as Binding)) addTo(this.clusterBySubject, k, obj.metadata?.name ?? '');
        return;
      case 'RoleBinding': {
        this.remove(kind, obj);
        const key = nsName(obj);
        const ns = obj.metadata?.namespace ?? '';
        this.roleBindings.set(key, obj as Binding);
        for (const k of this.keysOfBinding(obj as Binding)) {
          let byNs = this.roleBySubject.get(k);
          if (!byNs) this.roleBySubject.set(k, (byNs = new Map()));
          addTo(byNs, ns, key);
        }
      }
    }
  }

  remove(kind: RbacKind, obj: KObject) {
    switch (kind) {
      case 'Role':
        this.roles.delete(nsName(obj));
        return;
      case 'ClusterRole':
        this.clusterRoles.delete(obj.metadata?.name ?? '');
        return;
      case 'ClusterRoleBinding': {
        const name = obj.metadata?.name ?? '';
        const held = this.clusterBindings.get(name);
        if (!held) return;
        this.clusterBindings.delete(name);
        for (const k of this.keysOfBinding(held)) removeFrom(this.clusterBySubject, k, name);
        return;
      }
      case 'RoleBinding': {
        const key = nsName(obj);
        const held = this.roleBindings.get(key);
        if (!held) return;
        this.roleBindings.delete(key);
        const ns = held.metadata?.namespace ?? '';
        for (const k of this.keysOfBinding(held)) {
          const byNs = this.roleBySubject.get(k);
          if (!byNs) continue;
          removeFrom(byNs, ns, key);
          if (byNs.size === 0) this.roleBySubject.delete(k);
        }
      }
    }
  }

  /** Drops every object of a kind (before a re-list). */
  clear(kind: RbacKind) {
    const all = kind === 'Role' ? this.roles : kind === 'ClusterRole' ? this.clusterRoles : kind === 'RoleBinding' ? this.roleBindings : this.clusterBindings;
    for (const o of [...all.values()]) this.remove(kind, o);
  }

  /**
   * Calls visit for each ClusterRoleBinding naming the user (by name, group or service account)
   * until visit returns true. No generators or copies: this is every request's path. A binding
   * naming the user twice (by name and by group) may be visited twice, which only repeats a check.
   */
  visitCluster(user: UserInfo, visit: (b: Binding) => boolean): boolean {
    const each = (key: string) => {
      const names = this.clusterBySubject.get(key);
      if (!names) return false;
      for (const name of names) {
        const b = this.clusterBindings.get(name);
        if (b && visit(b)) return true;
      }
      return false;
    };
    if (each(userKey(user.name))) return true;
    for (const g of user.groups) if (each(groupKey(g))) return true;
    return false;
  }

  /** As visitCluster, for the RoleBindings of one namespace. */
  visitNamespaced(user: UserInfo, namespace: string, visit: (b: Binding) => boolean): boolean {
    const each = (key: string) => {
      const keys = this.roleBySubject.get(key)?.get(namespace);
      if (!keys) return false;
      for (const k of keys) {
        const b = this.roleBindings.get(k);
        if (b && visit(b)) return true;
      }
      return false;
    };
    if (each(userKey(user.name))) return true;
    for (const g of user.groups) if (each(groupKey(g))) return true;
    return false;
  }

  /** The subject of a binding that names this user (for a decision's reason). */
  subjectFor(b: Binding, user: UserInfo): Subject | undefined {
    const userKeyOfUser = userKey(user.name);
    for (const s of b.subjects ?? []) {
      if (s?.kind === 'Group' ? user.groups.includes(s.name) : subjectKey(s, b.metadata?.namespace) === userKeyOfUser) return s;
    }
    return undefined;
  }

  /** ClusterRoleBindings naming this user (directly, by group, or as its ServiceAccount). */
  *clusterBindingsFor(user: UserInfo): Generator<MatchedBinding> {
    const seen = new Set<string>();
    for (const k of keysOf(user)) {
      for (const name of this.clusterBySubject.get(k) ?? []) {
        if (seen.has(name)) continue;
        seen.add(name);
        const b = this.clusterBindings.get(name);
        if (b) yield { binding: b, subject: this.matchingSubject(b, k)! };
      }
    }
  }

  /** RoleBindings in a namespace naming this user. */
  *roleBindingsFor(user: UserInfo, namespace: string): Generator<MatchedBinding> {
    const seen = new Set<string>();
    for (const k of keysOf(user)) {
      for (const key of this.roleBySubject.get(k)?.get(namespace) ?? []) {
        if (seen.has(key)) continue;
        seen.add(key);
        const b = this.roleBindings.get(key);
        if (b) yield { binding: b, subject: this.matchingSubject(b, k)! };
      }
    }
  }

  /** The rules a binding's roleRef names, or undefined when the role does not exist (yet). */
  rulesOf(b: Binding): PolicyRule[] | undefined {
    const ref = b.roleRef;
    if (ref?.kind === 'ClusterRole') {
      const r = this.clusterRoles.get(ref.name);
      return r ? (r.rules ?? []) : undefined;
    }
    if (ref?.kind === 'Role') {
      const r = this.roles.get(`${b.metadata?.namespace ?? ''}/${ref.name}`);
      return r ? (r.rules ?? []) : undefined;
    }
    return undefined;
  }

  get size() {
    return { roles: this.roles.size, clusterRoles: this.clusterRoles.size, roleBindings: this.roleBindings.size, clusterRoleBindings: this.clusterBindings.size };
  }

  private keysOfBinding(b: Binding): Set<string> {
    const keys = new Set<string>();
    for (const s of Array.isArray(b.subjects) ? b.subjects : []) {
      const k = subjectKey(s, b.metadata?.namespace);
      if (k) keys.add(k);
    }
    return keys;
  }

  private matchingSubject(b: Binding, key: string): Subject | undefined {
    return (b.subjects ?? []).find((s) => subjectKey(s, b.metadata?.namespace) === key);
  }
}

function addTo<K>(m: Map<K, Set<string>>, k: K, v: string) {
  let s = m.get(k);
  if (!s) m.set(k, (s = new Set()));
  s.add(v);
}

function removeFrom<K>(m: Map<K, Set<string>>, k: K, v: string) {
  const s = m.get(k);
  if (!s) return;
  s.delete(v);
  if (s.size === 0) m.delete(k);
}
