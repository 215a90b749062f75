// gifee's version skew policy (docs/upgrades.md), as Kubernetes' kubelet skew policy: servers
// upgrade first; an agent may lag the servers by up to two minor versions and is never a minor
// version newer (patch releases of one minor mix freely, as Kubernetes' do); the servers of one
// cluster are within one minor version of each other (as kube-apiservers in HA during an upgrade).
// Pure, so the agent (at registration), the upgrade controller, `gifee upgrade plan` and the API
// servers' lease reconciler apply one rule.

/** How many minor versions an agent may lag its servers. */
export const MAX_AGENT_MINOR_LAG = 2;

export interface GifeeVersion {
  major: number;
  minor: number;
  patch: number;
}

/** Bounded: a version string longer than this is not a version (hostile input stays cheap). */
const MAX_VERSION_LENGTH = 64;

/** "1.2.3" (an optional leading v, an optional -pre/+build suffix ignored) -> numbers; else undefined. */
export function parseGifeeVersion(s: unknown): GifeeVersion | undefined {
  if (typeof s !== 'string' || s.length > MAX_VERSION_LENGTH) return undefined;
  const m = /^v?(\d{1,6})\.(\d{1,6})\.(\d{1,6})(?:[-+][0-9A-Za-z.+-]*)?$/.exec(s);
  return m ? { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]) } : undefined;
}

/** The gifee version inside a node's kubeletVersion ("v1.32.0-gifee.0.1.0" -> "0.1.0"). */
export function gifeeVersionOfKubelet(kubeletVersion: unknown): string | undefined {
  if (typeof kubeletVersion !== 'string' || kubeletVersion.length > MAX_VERSION_LENGTH * 2) return undefined;
  const m = /-gifee\.(\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]*)?)$/.exec(kubeletVersion);
  return m && parseGifeeVersion(m[1]) ? m[1] : undefined;
}

/** <0, 0, >0 as a is older, the same release, newer than b (suffixes ignored). */
export function compareGifeeVersions(a: GifeeVersion, b: GifeeVersion): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

/** Why an agent at `agent` may not join servers at `server`, or undefined when the skew is allowed. */
export function agentSkewProblem(agent: string, server: string): string | undefined {
  const a = parseGifeeVersion(agent);
  const s = parseGifeeVersion(server);
  if (!a) return `agent version "${agent}" is not a gifee version (MAJOR.MINOR.PATCH)`;
  if (!s) return `server version "${server}" is not a gifee version (MAJOR.MINOR.PATCH)`;
  if (a.major > s.major || (a.major === s.major && a.minor > s.minor)) return `agent ${agent} is newer than the server ${server}: upgrade the servers first`;
  if (a.major !== s.major) return `agent ${agent} and server ${server} differ in major version`;
  if (s.minor - a.minor > MAX_AGENT_MINOR_LAG) return `agent ${agent} is more than ${MAX_AGENT_MINOR_LAG} minor versions older than the server ${server}: upgrade the agent first`;
  return undefined;
}

/** How many minor versions the servers of one cluster may be apart (Kubernetes: kube-apiservers in HA). */
export const MAX_SERVER_MINOR_SKEW = 1;

/**
 * Why a server at `self` may not serve one cluster with a live server at `other`, or undefined when
 * the skew is allowed (or `other` says no version: a server from before versions were published).
 */
export function serverSkewProblem(self: string, other: string | undefined): string | undefined {
  if (other === undefined) return undefined;
  const a = parseGifeeVersion(self);
  const b = parseGifeeVersion(other);
  if (!a || !b) return a ? `a server reports "${other.slice(0, MAX_VERSION_LENGTH)}", not a gifee version (MAJOR.MINOR.PATCH)` : `this server's version "${self}" is not a gifee version`;
  if (a.major !== b.major || Math.abs(a.minor - b.minor) > MAX_SERVER_MINOR_SKEW) return `this server is ${self} and another live server is ${other}: the servers of one cluster must be within ${MAX_SERVER_MINOR_SKEW} minor version of each other; upgrade the servers one minor version at a time`;
  return undefined;
}
