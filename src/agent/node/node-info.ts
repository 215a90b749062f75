// status.nodeInfo read from the machine, as the kubelet reports it: the OS image is
// /etc/os-release's PRETTY_NAME (cadvisor's source), the kernel is uname's release, the runtime
// version is what the runtime binary says (`runc --version`), and the kubelet and kube-proxy
// versions are the one version this build serves at /version.

import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { promisify } from 'node:util';
import { GIFEE_VERSION, versionInfo } from '../../api/version.js';
import { logFailureOnce } from '../../util/best-effort.js';
import { logger } from '../../util/log.js';

const log = logger('agent');

const run = promisify(execFile);

/** PRETTY_NAME from an os-release file's text; undefined when absent. */
export function prettyName(osRelease: string): string | undefined {
  for (const line of osRelease.split('\n')) {
    const m = /^PRETTY_NAME=(.*)$/.exec(line.trim());
    if (!m) continue;
    let v = m[1].trim();
    // Values may be quoted (single or double) with shell-style escapes inside double quotes.
    if (v.length >= 2 && v[0] === v[v.length - 1] && (v[0] === '"' || v[0] === "'")) v = v.slice(1, -1);
    if (m[1].trim().startsWith('"')) v = v.replace(/\\(["\\`$])/g, '$1');
    return v || undefined;
  }
  return undefined;
}

/** The OS image: /etc/os-release, else /usr/lib/os-release (the spec's fallback), else the kernel's name. */
export function osImage(read: (p: string) => string = (p) => readFileSync(p, 'utf8')): string {
  for (const p of ['/etc/os-release', '/usr/lib/os-release']) {
    try {
      const name = prettyName(read(p));
      if (name) return name;
    } catch {
      /* the next file */
    }
  }
  return os.type();
}

/** The version `runc --version` prints on its first line ("runc version 1.1.5+ds1"). */
export function runcVersion(output: string): string | undefined {
  return /^runc version (\S+)/m.exec(output)?.[1];
}

/** containerRuntimeVersion as <runtime>://<version>; the process runtime is gifee itself. */
export async function containerRuntimeVersion(runtime: string): Promise<string> {
  if (runtime === 'runc') {
    const out = await run('runc', ['--version'], { timeout: 5000 }).catch(logFailureOnce(log, 'runc --version'));
    const v = out && runcVersion(out.stdout);
    if (v) return `runc://${v}`;
  }
  return `${runtime}://${GIFEE_VERSION}`;
}

export const goArch = (arch: string = os.arch()) => ({ x64: 'amd64', ia32: '386', arm: 'arm', arm64: 'arm64', ppc64: 'ppc64le', s390x: 's390x' })[arch] ?? arch;

/** Everything in status.nodeInfo but the machine and boot ids. */
export async function nodeInfo(runtime: string) {
  const version = versionInfo().gitVersion;
  return {
    kernelVersion: os.release(),
    osImage: osImage(),
    containerRuntimeVersion: await containerRuntimeVersion(runtime),
    kubeletVersion: version,
    kubeProxyVersion: version,
    operatingSystem: os.platform(),
    architecture: goArch(),
  };
}

/** This boot's id, as the kubelet reports it ('' when the kernel does not say). */
export function bootID(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return '';
  }
}
