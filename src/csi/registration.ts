// The kubelet's plugin-registration protocol from both ends. serveRegistration is what
// node-driver-registrar does beside a third-party driver: a socket <registry>/<name>-reg.sock that
// answers GetInfo (type CSIPlugin, name, the driver's endpoint, supported versions) and is told by
// the agent's plugin watcher whether registration worked. serveDriver runs one of gifee's own
// drivers exactly that way (its CSI socket plus its registration socket), so the agent finds
// built-in and third-party drivers through one path. registrationClient is the watcher's side.

import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { UNIX_CHANNEL_OPTIONS, unaryCall, unixTarget } from './grpc-call.js';
import { serveCsi, serveOnSocket, unaryHandler, type GrpcSocketServer } from './grpc-server.js';
import { driverSocket, pluginRegistryDir } from './paths.js';
import { csiProtocols } from './proto.js';
import type { CsiDriver } from './types.js';

/** The plugin type of CSI drivers in PluginInfo.type (the kubelet's registerapi.CSIPlugin). */
export const CSI_PLUGIN_TYPE = 'CSIPlugin';
/** The CSI versions gifee's drivers announce (node-driver-registrar announces "1.0.0" too). */
export const CSI_VERSIONS = ['1.0.0'];

export interface RegistrationInfo {
  type: string;
  name: string;
  endpoint: string;
  supportedVersions: string[];
}

export interface RegistrationStatus {
  pluginRegistered: boolean;
  error: string;
}

/** A registration socket's file name, as node-driver-registrar names it. */
export const registrationSocket = (registryDir: string, name: string) => join(registryDir, `${name}-reg.sock`);

export interface RegistrationServer extends GrpcSocketServer {
  /** The last status the plugin watcher sent, if any. */
  status(): RegistrationStatus | undefined;
}

export async function serveRegistration(registryDir: string, o: { name: string; endpoint: string; versions?: string[]; type?: string; onStatus?: (s: RegistrationStatus) => void }): Promise<RegistrationServer> {
  let last: RegistrationStatus | undefined;
  const info: RegistrationInfo = { type: o.type ?? CSI_PLUGIN_TYPE, name: o.name, endpoint: o.endpoint, supportedVersions: o.versions ?? CSI_VERSIONS };
  const server = await serveOnSocket(registrationSocket(registryDir, o.name), [
    [
      csiProtocols().registration.service,
      {
        GetInfo: unaryHandler(() => info),
        NotifyRegistrationStatus: unaryHandler((req) => {
          const r = req as Partial<RegistrationStatus>;
          last = { pluginRegistered: r.pluginRegistered === true, error: typeof r.error === 'string' ? r.error : '' };
          o.onStatus?.(last);
          return {};
        }),
      },
    ],
  ]);
  return { socketPath: server.socketPath, close: server.close, status: () => last };
}

export interface ServedDriver {
  name: string;
  /** The driver's CSI socket (src/csi/paths.ts driverSocket). */
  socketPath: string;
  registration: RegistrationServer;
  close(): Promise<void>;
}

/** Serves one of gifee's drivers on its CSI socket and announces it on the agent's registry, as a DaemonSet's node-driver-registrar would. */
export async function serveDriver(driver: CsiDriver, o: { agentDir: string; versions?: string[]; onStatus?: (s: RegistrationStatus) => void }): Promise<ServedDriver> {
  const { name } = await driver.getPluginInfo();
  const socketPath = driverSocket(o.agentDir, name);
  const csi = await serveCsi(driver, socketPath);
  let registration: RegistrationServer;
  try {
    registration = await serveRegistration(pluginRegistryDir(o.agentDir), { name, endpoint: socketPath, versions: o.versions, onStatus: o.onStatus });
  } catch (e) {
    await csi.close();
    throw e;
  }
  return {
    name,
    socketPath,
    registration,
    // The registration goes first, so the watcher deregisters the driver before its socket closes.
    close: async () => {
      await registration.close();
      await csi.close();
    },
  };
}

export interface RegistrationClient {
  getInfo(): Promise<RegistrationInfo>;
  notifyRegistrationStatus(s: RegistrationStatus): Promise<void>;
  close(): void;
}

/** The watcher's side of a registration socket; every call with this deadline (default 10 s). */
export function registrationClient(socketPath: string, o: { timeoutMs?: number } = {}): RegistrationClient {
  const client = new (csiProtocols().registration)(unixTarget(socketPath), grpc.credentials.createInsecure(), UNIX_CHANNEL_OPTIONS);
  const opts = { socketPath, timeoutMs: o.timeoutMs ?? 10_000 };
  return {
    getInfo: async () => {
      const r = await unaryCall<Partial<RegistrationInfo>>(client, 'GetInfo', {}, opts);
      return { type: r.type ?? '', name: r.name ?? '', endpoint: r.endpoint ?? '', supportedVersions: Array.isArray(r.supportedVersions) ? r.supportedVersions : [] };
    },
    notifyRegistrationStatus: async (s) => {
      await unaryCall(client, 'NotifyRegistrationStatus', s, opts);
    },
    close: () => client.close(),
  };
}
