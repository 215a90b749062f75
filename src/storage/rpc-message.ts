// A driver's refusal worded as Kubernetes' sidecars word it in events ("rpc error: code = Internal
// desc = ..."), so messages read the same as on a Kubernetes cluster.

import { CsiError, GrpcCode } from '../csi/types.js';

/** Go's codes.Code.String(): INVALID_ARGUMENT -> InvalidArgument. */
function codeName(code: GrpcCode): string {
  const n = GrpcCode[code];
  if (!n) return `Code(${code})`;
  if (n === 'OK') return 'OK';
  return n
    .toLowerCase()
    .split('_')
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join('');
}

export function rpcMessage(e: unknown): string {
  if (e instanceof CsiError) return `rpc error: code = ${codeName(e.code)} desc = ${e.message}`;
  return e instanceof Error ? e.message : String(e);
}

export const isCsiNotFound = (e: unknown) => e instanceof CsiError && e.code === GrpcCode.NOT_FOUND;
