// gifee's version skew policy (docs/upgrades.md), as Kubernetes' kubelet skew policy: servers
// upgrade first; an agent may lag the servers by up to two minor versions and is never a minor
// version newer (patch releases of one minor mix freely, as Kubernetes' do). Pure,
// so the agent (at registration), the upgrade controller and `gifee upgrade plan` apply one rule.

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
