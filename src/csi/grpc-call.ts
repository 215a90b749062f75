// One unary gRPC call over a unix socket, as every CSI and plugin-registration client makes it:
// always with a deadline, the answer normalized to types.ts' shape, and every failure (the driver's
// refusal, a dead or foreign socket, a hang, an undecodable answer) turned into a CsiError whose
// message says which socket and call it was, never an exception of another kind.

import { isAbsolute } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { normalizeMessage } from './proto.js';
import { CsiError, GrpcCode } from './types.js';

/** Bounded answers: a driver cannot make the agent buffer more than this per call. */
const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

/** Channel settings for a local socket: reconnect fast (a driver restarts in a second), no retries behind our back. */
export const UNIX_CHANNEL_OPTIONS: grpc.ChannelOptions = {
  'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
  'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 5_000,
  'grpc.enable_retries': 0,
};

/** The gRPC target of a unix socket path; the path must be absolute (a relative one would depend on the agent's cwd). */
export function unixTarget(socketPath: string): string {
  if (!isAbsolute(socketPath)) throw new CsiError(GrpcCode.INVALID_ARGUMENT, `socket path must be absolute, not "${socketPath}"`);
  return `unix://${socketPath}`;
}

/** grpc-js' connection messages without their timestamps and empty resolution notes: the same failure reads the same each time. */
const tidy = (details: string) =>
  details
    .replace(/ \(\d{4}-\d\d-\d\dT[\d:.]+Z\)/g, '')
    .replace(/\.?\s*Resolution note:\s*$/, '')
    .slice(0, 2_000);

/** A gRPC failure as a CsiError that names the socket and RPC for transport failures; a driver's own refusal keeps its words. */
export function toCsiError(err: unknown, rpc: string, socketPath: string, timeoutMs: number): CsiError {
  const e = err as Partial<grpc.ServiceError>;
  const code = typeof e.code === 'number' && GrpcCode[e.code] !== undefined ? (e.code as number as GrpcCode) : GrpcCode.UNKNOWN;
  const details = tidy(typeof e.details === 'string' && e.details ? e.details : err instanceof Error ? err.message : String(err));
  if (code === GrpcCode.DEADLINE_EXCEEDED) return new CsiError(code, `${rpc}: no answer from the plugin at ${socketPath} within ${Math.round(timeoutMs / 100) / 10}s (${details})`);
  if (code === GrpcCode.UNAVAILABLE) return new CsiError(code, `${rpc}: cannot reach the plugin at ${socketPath}: ${details}`);
  // grpc-js' words for an answer that is not the message the protocol says.
  if (code === GrpcCode.INTERNAL && /parsing error|serialization failure|Received RST_STREAM|Protocol error/i.test(details)) return new CsiError(code, `${rpc}: the plugin at ${socketPath} gave a malformed answer (${details})`);
  return new CsiError(code, details);
}

/** Calls `method` on `client` with a deadline; resolves with the normalized answer. */
export function unaryCall<T>(client: grpc.Client, method: string, request: object, o: { socketPath: string; timeoutMs: number }): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const fn = (client as unknown as Record<string, unknown>)[method];
    if (typeof fn !== 'function') return reject(new CsiError(GrpcCode.UNIMPLEMENTED, `${method}: not part of this client's protocol`));
    try {
      (fn as (req: object, md: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: unknown) => void) => void).call(client, request, new grpc.Metadata(), { deadline: Date.now() + o.timeoutMs }, (err, res) => {
        if (err) reject(toCsiError(err, method, o.socketPath, o.timeoutMs));
        else resolve(normalizeMessage<T>(res ?? {}));
      });
    } catch (e) {
      // A request the protocol cannot encode (grpc-js throws some of these synchronously).
      reject(new CsiError(GrpcCode.INVALID_ARGUMENT, `${method}: the request cannot be encoded: ${(e as Error).message}`));
    }
  });
}
