// Serving a CsiDriver (types.ts) over gRPC on a unix socket, as a CSI driver process does: the
// Identity service always, Controller and Node when the driver has them (without, the calls are
// answered UNIMPLEMENTED, as are the RPCs of the spec gifee's proto leaves out). A CsiError goes out
// as its gRPC status code; anything else a driver throws is INTERNAL with its message.

import { chmod, lstat, mkdir, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { UNIX_CHANNEL_OPTIONS, unixTarget } from './grpc-call.js';
import { csiProtocols, normalizeMessage } from './proto.js';
import { CsiError, GrpcCode, type CsiDriver } from './types.js';
import { ifMissing, logFailure } from '../util/best-effort.js';
import { logger } from '../util/log.js';

const log = logger('csi');

export interface GrpcSocketServer {
  readonly socketPath: string;
  close(): Promise<void>;
}

type Handler = (request: unknown) => Promise<unknown> | unknown;

/** A gRPC unary handler around an async function: the answer, or the error as a status. */
export function unaryHandler(fn: Handler): grpc.handleUnaryCall<unknown, unknown> {
  return (call, callback) => {
    Promise.resolve()
      .then(() => fn(normalizeMessage(call.request ?? {})))
      .then(
        (res) => callback(null, res ?? {}),
        (e: unknown) => {
          const known = e instanceof CsiError && GrpcCode[e.code] !== undefined;
          callback({ code: (known ? e.code : GrpcCode.INTERNAL) as number, details: e instanceof Error ? e.message : String(e), metadata: new grpc.Metadata() });
        },
      );
  };
}

/** Removes a stale socket left by a crashed server; refuses to remove anything that is not a socket. */
async function clearSocketPath(socketPath: string) {
  const st = await lstat(socketPath).catch(ifMissing);
  if (!st) return;
  if (!st.isSocket()) throw new Error(`${socketPath} exists and is not a socket: not replacing it`);
  await unlink(socketPath);
}

/** Binds a gRPC server with these services to a unix socket (owner-only: whoever reaches it drives mounts as root). */
export async function serveOnSocket(socketPath: string, services: [grpc.ServiceDefinition, grpc.UntypedServiceImplementation][]): Promise<GrpcSocketServer> {
  const target = unixTarget(socketPath);
  await mkdir(dirname(socketPath), { recursive: true, mode: 0o750 });
  await clearSocketPath(socketPath);
  const server = new grpc.Server(UNIX_CHANNEL_OPTIONS);
  for (const [def, impl] of services) server.addService(def, impl);
  await new Promise<void>((resolve, reject) => server.bindAsync(target, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())));
  await chmod(socketPath, 0o600).catch(logFailure(log, 'restricting the CSI socket to its owner (0600; its 0750 directory still guards it)', { socketPath }));
  let closed: Promise<void> | undefined;
  return {
    socketPath,
    close: () =>
      (closed ??= (async () => {
        await new Promise<void>((resolve) => {
          // Calls under way get a moment to finish; then everything is cut.
          const force = setTimeout(() => {
            server.forceShutdown();
            resolve();
          }, 2_000);
          server.tryShutdown(() => {
            clearTimeout(force);
            resolve();
          });
        });
        await unlink(socketPath).catch(ifMissing);
      })()),
  };
}

/** The service implementations of a driver, by RPC name. */
function csiServices(driver: CsiDriver): [grpc.ServiceDefinition, grpc.UntypedServiceImplementation][] {
  const p = csiProtocols();
  const h = (fn: Handler) => unaryHandler(fn);
  const services: [grpc.ServiceDefinition, grpc.UntypedServiceImplementation][] = [
    [
      p.identity.service,
      {
        GetPluginInfo: h(() => driver.getPluginInfo()),
        GetPluginCapabilities: h(() => driver.getPluginCapabilities()),
        Probe: h(() => driver.probe()),
      },
    ],
  ];
  const c = driver.controller;
  if (c) {
    services.push([
      p.controller.service,
      {
        CreateVolume: h((r) => c.createVolume(r as never)),
        DeleteVolume: h((r) => c.deleteVolume(r as never)),
        ControllerPublishVolume: h((r) => c.controllerPublishVolume(r as never)),
        ControllerUnpublishVolume: h((r) => c.controllerUnpublishVolume(r as never)),
        GetCapacity: h(async (r) => {
          const res = await c.getCapacity(r as never);
          // Int64Value wrappers on the wire; absent stays absent.
          const wrap = (v?: number) => (v === undefined ? undefined : { value: v });
          return { availableCapacity: res.availableCapacity, maximumVolumeSize: wrap(res.maximumVolumeSize), minimumVolumeSize: wrap(res.minimumVolumeSize) };
        }),
        ControllerGetCapabilities: h(() => c.controllerGetCapabilities()),
        CreateSnapshot: h((r) => c.createSnapshot(r as never)),
        DeleteSnapshot: h((r) => c.deleteSnapshot(r as never)),
        ControllerExpandVolume: h((r) => c.controllerExpandVolume(r as never)),
      },
    ]);
  }
  const n = driver.node;
  if (n) {
    services.push([
      p.node.service,
      {
        NodeStageVolume: h((r) => n.nodeStageVolume(r as never)),
        NodeUnstageVolume: h((r) => n.nodeUnstageVolume(r as never)),
        NodePublishVolume: h((r) => n.nodePublishVolume(r as never)),
        NodeUnpublishVolume: h((r) => n.nodeUnpublishVolume(r as never)),
        NodeGetVolumeStats: h((r) => n.nodeGetVolumeStats(r as never)),
        NodeExpandVolume: h((r) => n.nodeExpandVolume(r as never)),
        NodeGetCapabilities: h(() => n.nodeGetCapabilities()),
        NodeGetInfo: h(() => n.nodeGetInfo()),
      },
    ]);
  }
  return services;
}

/** Serves `driver` on `socketPath` (created with its directory; a stale socket there is replaced). */
export function serveCsi(driver: CsiDriver, socketPath: string): Promise<GrpcSocketServer> {
  return serveOnSocket(socketPath, csiServices(driver));
}
