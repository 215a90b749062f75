// CONNECT admission: before pods/exec, pods/attach and pods/portforward are relayed to the node,
// the admission chain sees the request as Kubernetes shows it — operation CONNECT, the pod's
// resource and subresource, and as object the options of the connection (v1 PodExecOptions,
// PodAttachOptions, PodPortForwardOptions) — so webhooks and ValidatingAdmissionPolicies can refuse
// an exec. The built-in plugins look only at CREATE/UPDATE/DELETE.

import { ApiError } from '../../api/errors.js';
import type { KObject } from '../../api/kind.js';
import { queryBool } from '../../util/http/query-bool.js';
import type { RequestContext } from '../context.js';

const OPTIONS_KIND = { exec: 'PodExecOptions', attach: 'PodAttachOptions', portforward: 'PodPortForwardOptions' } as const;
export type ConnectSubresource = keyof typeof OPTIONS_KIND;

/** At most this many command words or ports are shown to admission (more are refused as a bad request). */
const MAX_ITEMS = 1024;

/** The options object of a CONNECT request, from its query, with only the fields that are set (as Kubernetes' omitempty). */
export function connectOptions(subresource: ConnectSubresource, query: URLSearchParams): KObject {
  const o: Record<string, unknown> = { kind: OPTIONS_KIND[subresource], apiVersion: 'v1' };
  const flag = (name: string) => {
    if (queryBool(query, name)) o[name] = true;
  };
  if (subresource === 'portforward') {
    const ports = query.getAll('ports').flatMap((p) => p.split(','));
    if (ports.length > MAX_ITEMS) throw new ApiError(400, 'BadRequest', `too many ports (at most ${MAX_ITEMS})`);
    const parsed = ports.map((p) => Number(p.trim()));
    if (parsed.length) o.ports = parsed.filter((n) => Number.isInteger(n));
    return o as KObject;
  }
  for (const name of ['stdin', 'stdout', 'stderr', 'tty']) flag(name);
  const container = query.get('container');
  if (container) o.container = container;
  if (subresource === 'exec') {
    const command = query.getAll('command');
    if (command.length > MAX_ITEMS) throw new ApiError(400, 'BadRequest', `too many command words (at most ${MAX_ITEMS})`);
    if (command.length) o.command = command;
  }
  return o as KObject;
}

/** The options' kind as an AdmissionReview's `kind` (CONNECT requests are of the options' kind, not the pod's). */
export const connectKind = (options: KObject) => ({ group: '', version: 'v1', kind: String(options.kind ?? '') });

/** Runs the admission chain for a CONNECT; throws the refusal. */
export async function admitConnect(rc: RequestContext, subresource: ConnectSubresource): Promise<void> {
  const obj = connectOptions(subresource, rc.query);
  await rc.api.admission.admit({ rc, operation: 'CONNECT', obj, subresource, dryRun: false });
}
