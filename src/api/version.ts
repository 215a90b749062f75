// /version: the Kubernetes version we implement (kubectl warns on skew against it) and gifee's own.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const KUBE_MAJOR = '1';
export const KUBE_MINOR = '32';

function gifeeVersion(): string {
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      return (JSON.parse(readFileSync(fileURLToPath(new URL(rel, import.meta.url)), 'utf8')) as { version: string }).version;
    } catch {
      /* try the next layout (src/ under tsx, dist/src/ compiled) */
    }
  }
  return '0.0.0';
}

export const GIFEE_VERSION = gifeeVersion();

export function versionInfo() {
  return {
    major: KUBE_MAJOR,
    minor: KUBE_MINOR,
    gitVersion: `v${KUBE_MAJOR}.${KUBE_MINOR}.0-gifee.${GIFEE_VERSION}`,
    gitCommit: 'gifee',
    gitTreeState: 'clean',
    buildDate: '2026-11-24T00:00:00Z',
    goVersion: `node${process.versions.node}`,
    compiler: 'tsc',
    platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
  };
}
