// Small helpers every node-side caller of a CSI driver needs: a deadline on each call (a hung driver
// must not stall the agent's loops), the driver's node capabilities (asked once per driver
// connection), the CSI access mode of a PV's access modes, and a driver error as Kubernetes prints it.

import { CsiError, GrpcCode, type AccessModeName, type CsiDriver, type NodeCapabilityName, type VolumeCapability } from '../../csi/types.js';

/** The call's result, or a DEADLINE_EXCEEDED CsiError after ms (the call itself is left to finish on its own). */
export function withDeadline<T>(call: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CsiError(GrpcCode.DEADLINE_EXCEEDED, `${what}: no answer within ${Math.round(ms / 1000)}s`)), ms);
  });
  return Promise.race([call, deadline]).finally(() => clearTimeout(timer));
}

const capabilities = new WeakMap<CsiDriver, Promise<Set<NodeCapabilityName>>>();

/** The driver's Node service capabilities (cached per connected client); empty without a Node service. */
export function nodeCapabilities(driver: CsiDriver, timeoutMs = 10_000): Promise<Set<NodeCapabilityName>> {
  let p = capabilities.get(driver);
  if (!p) {
    const node = driver.node;
    p = node ? withDeadline(node.nodeGetCapabilities(), timeoutMs, 'NodeGetCapabilities').then((r) => new Set((r.capabilities ?? []).map((c) => c.rpc?.type).filter((t): t is NodeCapabilityName => !!t))) : Promise.resolve(new Set());
    // A failed answer is not remembered: the next caller asks again.
    p.catch(() => capabilities.delete(driver));
    capabilities.set(driver, p);
  }
  return p;
}

/** Kubernetes' mapping of a PV's access modes to a CSI access mode (the most permissive one wins). */
export function csiAccessMode(accessModes: string[] = []): AccessModeName {
  if (accessModes.includes('ReadWriteMany')) return 'MULTI_NODE_MULTI_WRITER';
  if (accessModes.includes('ReadOnlyMany') && !accessModes.includes('ReadWriteOnce')) return 'MULTI_NODE_READER_ONLY';
  if (accessModes.includes('ReadWriteOncePod')) return 'SINGLE_NODE_SINGLE_WRITER';
  return 'SINGLE_NODE_WRITER';
}

/** The volume capability of a PV as the mounter publishes it. */
export function volumeCapabilityOf(pv: { spec?: { accessModes?: string[]; volumeMode?: string; mountOptions?: string[]; csi?: { fsType?: string } } }): VolumeCapability {
  const accessMode = { mode: csiAccessMode(pv.spec?.accessModes) };
  if (pv.spec?.volumeMode === 'Block') return { block: {}, accessMode };
  return { mount: { ...(pv.spec?.csi?.fsType ? { fsType: pv.spec.csi.fsType } : {}), ...(pv.spec?.mountOptions?.length ? { mountFlags: pv.spec.mountOptions } : {}) }, accessMode };
}

/** A driver's refusal as Kubernetes prints a gRPC error: "rpc error: code = Internal desc = ...". */
export function rpcErrorText(e: unknown): string {
  if (e instanceof CsiError) return `rpc error: code = ${grpcCodeName(e.code)} desc = ${e.message}`;
  return e instanceof Error ? e.message : String(e);
}

function grpcCodeName(code: GrpcCode): string {
  const name = GrpcCode[code] ?? String(code);
  // grpc-go's String(): OK, Canceled, Unknown, InvalidArgument, DeadlineExceeded...
  if (name === 'CANCELLED') return 'Canceled';
  return name
    .toLowerCase()
    .split('_')
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join('');
}
