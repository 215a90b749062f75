// The agent's plugin watcher (the kubelet's pluginwatcher with its CSI handler): it watches the
// registry directory (plugins_registry/) with fs.watch and a periodic rescan, and for each new
// socket there calls GetInfo, validates the answer (type CSIPlugin, a CSI 1.x version, a sane name
// and endpoint), connects to the driver's endpoint, asks NodeGetInfo, records the driver in the
// node's CSINode and Node (CsiNodeInfo), and answers NotifyRegistrationStatus(true), or (false,
// why) when any step failed; a failed socket is tried again with back-off. When a socket goes (or is
// replaced by a new one), its driver is deregistered and removed from CSINode. The watcher is the
// node's CsiRegistry: the drivers it registered, connected, by name.

import { watch, type FSWatcher } from 'node:fs';
import { lstat, mkdir, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { connectCsi, type CsiClient, type CsiClientOptions } from '../../csi/grpc-client.js';
import { registrationClient } from '../../csi/registration.js';
import type { CsiRegistry } from '../../csi/types.js';
import type { Logger } from '../../util/log.js';
import type { CsiNodeInfo } from './csinode.js';
import { validateNodeInfo, validatePluginInfo } from './plugin-validation.js';
import { ifMissing, ignoreError } from '../../util/best-effort.js';

/** Entries of the registry directory looked at per scan: a directory full of junk costs bounded work. */
const MAX_ENTRIES = 512;
/** Registrations under way at once (each waits at most its call deadlines). */
const MAX_IN_FLIGHT = 8;
const FIRST_RETRY_MS = 1_000;
const STARTING_UP_RETRY_MS = 250;
const MAX_RETRY_MS = 120_000;

export interface PluginWatcherOptions {
  registryDir: string;
  /** Writes the node's CSINode and Node; without it (tests) the registry is kept in memory only. */
  nodeInfo?: CsiNodeInfo;
  log: Logger;
  /** How often the directory is rescanned besides fs.watch's events (default 5 s). */
  rescanMs?: number;
  /** Deadline of GetInfo and NotifyRegistrationStatus (default 10 s). */
  registrationTimeoutMs?: number;
  /** Deadlines of the calls to registered drivers. */
  csi?: CsiClientOptions;
}

export interface RegisteredDriver {
  name: string;
  /** The registration socket it came from. */
  registrationSocket: string;
  endpoint: string;
  nodeId: string;
  maxVolumesPerNode?: number;
  topology?: Record<string, string>;
  versions: string[];
  client: CsiClient;
}

/** A socket as found in the directory: its identity (key) changes when it is re-created, not when its mode or owner change. */
interface Seen {
  key: string;
  /** The driver it registered, if it did. */
  name?: string;
}

export class PluginWatcher implements CsiRegistry {
  private drivers = new Map<string, RegisteredDriver>();
  private sockets = new Map<string, Seen>();
  private failures = new Map<string, { key: string; retryAt: number; backoffMs: number; error: string; warned: boolean }>();
  private inFlight = new Set<string>();
  /** Drivers whose removal from CSINode failed (the API was away): tried again at each scan. */
  private pendingUninstall = new Set<string>();
  private listeners: ((name: string) => void)[] = [];
  private watcher?: FSWatcher;
  private timer?: NodeJS.Timeout;
  private scanning?: Promise<void>;
  private again = false;
  private stopped = false;

  constructor(private o: PluginWatcherOptions) {}

  // ---- CsiRegistry ----
  get(driverName: string): CsiClient | undefined {
    return this.drivers.get(driverName)?.client;
  }
  names(): string[] {
    return [...this.drivers.keys()].sort();
  }
  onChange(fn: (driverName: string) => void): void {
    this.listeners.push(fn);
  }
  /** What registration learned about a driver (node id, endpoint, limits), beyond the client. */
  info(driverName: string): Omit<RegisteredDriver, 'client'> | undefined {
    const d = this.drivers.get(driverName);
    if (!d) return undefined;
    const { client: _client, ...rest } = d;
    return rest;
  }

  async start(): Promise<void> {
    await mkdir(this.o.registryDir, { recursive: true, mode: 0o750 });
    this.watchDir();
    await this.scan();
    this.timer = setInterval(() => this.scan(), this.o.rescanMs ?? 5_000);
    this.timer.unref();
  }

  /** Stops watching and closes the connections; CSINode keeps the drivers (they are re-registered at the next start, as with the kubelet). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.watcher?.close();
    await this.scanning?.catch(ignoreError('the scan logs its own failures; stop only waits for it to end'));
    for (const d of this.drivers.values()) d.client.close();
    this.drivers.clear();
  }

  private watchDir() {
    if (this.watcher || this.stopped) return;
    try {
      this.watcher = watch(this.o.registryDir, { persistent: false }, () => void this.scan());
      this.watcher.on('error', (e) => {
        this.o.log.warn('watching the plugin registry failed; rescanning periodically', { err: e });
        this.watcher?.close();
        this.watcher = undefined;
      });
    } catch (e) {
      this.o.log.warn('cannot watch the plugin registry; rescanning periodically', { dir: this.o.registryDir, err: e });
    }
  }

  /** One scan at a time; a request during a scan runs one more after it. */
  scan(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.scanning) {
      this.again = true;
      return this.scanning;
    }
    this.scanning = (async () => {
      try {
        do {
          this.again = false;
          await this.scanOnce();
        } while (this.again && !this.stopped);
      } catch (e) {
        this.o.log.warn('scanning the plugin registry failed', { err: e });
      } finally {
        this.scanning = undefined;
      }
    })();
    return this.scanning;
  }

  private async scanOnce() {
    const present = await this.socketsInDir();
    for (const [path, seen] of [...this.sockets]) {
      if (present.get(path) !== seen.key) await this.deregister(path, seen);
    }
    for (const [path, f] of [...this.failures]) if (present.get(path) !== f.key) this.failures.delete(path);
    for (const name of [...this.pendingUninstall]) {
      if (this.drivers.has(name)) this.pendingUninstall.delete(name);
      else await this.uninstall(name);
    }
    const now = Date.now();
    for (const [path, key] of present) {
      if (this.sockets.has(path) || this.inFlight.has(path) || this.inFlight.size >= MAX_IN_FLIGHT) continue;
      const f = this.failures.get(path);
      if (f && f.key === key && now < f.retryAt) continue;
      this.inFlight.add(path);
      void this.register(path, key).finally(() => {
        this.inFlight.delete(path);
        // The socket may have gone while it registered, or others waited for a place.
        void this.scan();
      });
    }
  }

  /** The sockets directly in the registry directory (hidden files skipped, as the kubelet does), by path, with an identity. */
  private async socketsInDir(): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    let names: string[];
    try {
      names = (await readdir(this.o.registryDir)).filter((n) => !n.startsWith('.')).slice(0, MAX_ENTRIES);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      // Someone removed the directory: make it again (every socket in it is gone).
      await mkdir(this.o.registryDir, { recursive: true, mode: 0o750 });
      this.watcher?.close();
      this.watcher = undefined;
      this.watchDir();
      return out;
    }
    this.watchDir();
    for (const n of names) {
      const p = join(this.o.registryDir, n);
      const st = await lstat(p).catch(ifMissing);
      // Identity of the file, not of its metadata: ctime changes with a chmod or chown (serveOnSocket
      // chmods right after binding), which made a registered driver flap out of CSINode and back.
      // Inode plus birth time tells a re-created socket apart (where the filesystem has no birth
      // time, the inode alone, which a quick re-create may reuse: the directory watch still rescans).
      if (st?.isSocket()) out.set(p, `${st.dev}:${st.ino}:${st.birthtimeMs}`);
    }
    return out;
  }

  private async register(path: string, key: string) {
    const log = this.o.log.child({ socket: path });
    const reg = registrationClient(path, { timeoutMs: this.o.registrationTimeoutMs });
    let client: CsiClient | undefined;
    try {
      const info = await reg.getInfo();
      const { endpoint, error } = validatePluginInfo(info, path);
      if (error) throw new Error(error);
      const unusable = await endpointProblem(endpoint, info.name, this.o.registryDir);
      if (unusable) throw new Error(unusable);
      client = connectCsi(endpoint, this.o.csi);
      const nodeInfo = await client.node.nodeGetInfo();
      const invalid = validateNodeInfo(info.name, nodeInfo);
      if (invalid) throw new Error(invalid);
      const topology = nodeInfo.accessibleTopology?.segments;
      await this.o.nodeInfo?.install({ name: info.name, nodeId: nodeInfo.nodeId, topology, maxVolumesPerNode: nodeInfo.maxVolumesPerNode });
      if (this.stopped) throw new Error('the agent is stopping');
      const previous = this.drivers.get(info.name);
      // The same driver from a new socket (a registrar restarted under another name): the newer wins.
      if (previous) previous.client.close();
      this.drivers.set(info.name, { name: info.name, registrationSocket: path, endpoint, nodeId: nodeInfo.nodeId, maxVolumesPerNode: nodeInfo.maxVolumesPerNode || undefined, topology, versions: info.supportedVersions, client });
      this.pendingUninstall.delete(info.name);
      this.sockets.set(path, { key, name: info.name });
      this.failures.delete(path);
      log.info('CSI driver registered', { driver: info.name, endpoint, nodeId: nodeInfo.nodeId });
      await reg.notifyRegistrationStatus({ pluginRegistered: true, error: '' }).catch((e) => log.warn('telling the plugin it is registered failed', { err: e }));
      this.changed(info.name);
    } catch (e) {
      client?.close();
      const message = (e as Error).message ?? String(e);
      const was = this.failures.get(path);
      const same = was?.key === key;
      // A socket seen for the first time may not accept yet (a server binds, which the directory
      // watch sees, before it listens): its first "cannot reach" is retried soon, without a warning.
      const startingUp = !same && message.includes('cannot reach the plugin');
      const backoffMs = same ? Math.min(was.backoffMs * 2, MAX_RETRY_MS) : startingUp ? STARTING_UP_RETRY_MS : FIRST_RETRY_MS;
      // Said once per socket and reason; the retries of a socket that keeps failing the same way are quieter.
      const repeatWarned = same && was.error === message && was.warned;
      const warn = !startingUp && !repeatWarned;
      this.failures.set(path, { key, retryAt: Date.now() + backoffMs, backoffMs, error: message, warned: warn || repeatWarned });
      (warn ? log.warn : log.debug).call(log, 'CSI plugin registration failed', { err: message, retryInMs: backoffMs });
      // Sooner than the periodic rescan: the registrar is most likely listening by then.
      if (startingUp) setTimeout(() => void this.scan(), backoffMs + 10).unref();
      // Not while it may be starting up: a registrar told "not registered" exits (node-driver-registrar does).
      if (!startingUp) await reg.notifyRegistrationStatus({ pluginRegistered: false, error: message }).catch(ignoreError('telling the registrar is a courtesy; the failure is logged above'));
    } finally {
      reg.close();
    }
  }

  private async deregister(path: string, seen: Seen) {
    this.sockets.delete(path);
    const d = seen.name ? this.drivers.get(seen.name) : undefined;
    // Only the socket the driver is registered from takes it away (an older one of the same driver does not).
    if (!d || d.registrationSocket !== path) return;
    this.drivers.delete(d.name);
    d.client.close();
    this.o.log.info('CSI driver deregistered: its registration socket is gone', { driver: d.name, socket: path });
    await this.uninstall(d.name);
    this.changed(d.name);
  }

  private async uninstall(name: string) {
    try {
      await this.o.nodeInfo?.uninstall(name);
      this.pendingUninstall.delete(name);
    } catch (e) {
      this.pendingUninstall.add(name);
      this.o.log.warn('removing a CSI driver from CSINode failed; will retry', { driver: name, err: e });
    }
  }

  private changed(name: string) {
    for (const fn of this.listeners) {
      try {
        fn(name);
      } catch (e) {
        this.o.log.warn('a CSI registry listener failed', { driver: name, err: e });
      }
    }
  }
}

/**
 * Why the endpoint a registrar announced cannot be the driver's socket on this node, or undefined.
 * The usual mistake is a --kubelet-registration-path naming the socket's path inside the driver's
 * container (/csi/csi.sock) instead of on the host: said plainly rather than as a gRPC connect error.
 */
async function endpointProblem(endpoint: string, driver: string, registryDir: string): Promise<string | undefined> {
  const st = await lstat(endpoint).catch((e: NodeJS.ErrnoException) => e.code ?? 'error');
  const expected = join(dirname(registryDir), 'plugins', driver, 'csi.sock');
  if (typeof st === 'string') {
    return st === 'ENOENT' || st === 'ENOTDIR'
      ? `endpoint ${endpoint} does not exist on this node: the registrar must announce the driver socket's path on the host (node-driver-registrar's --kubelet-registration-path, usually ${expected}), not its path in the driver's container`
      : `endpoint ${endpoint} cannot be checked: ${st}`;
  }
  if (!st.isSocket()) return `endpoint ${endpoint} is not a unix socket (the driver's CSI socket is usually ${expected})`;
  return undefined;
}
