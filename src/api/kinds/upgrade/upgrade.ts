// gifee.dev/v1alpha1 Upgrade: a self-driving node upgrade (docs/upgrades.md). Compiled in as the
// snapshot kinds are (a gifee group, served on every cluster without installing a CRD): spec names
// the target build and how many nodes may be upgraded at once; the upgrade controller
// (src/controllers/upgrade) writes status through the status subresource. The spec is immutable
// once created: a changed target mid-rollout would leave nodes on three builds; delete and plan anew.

import { fieldErr } from '../../errors.js';
import { buildPathProblem } from '../../gifee-build.js';
import type { FieldError, KindDef, KObject } from '../../kind.js';
import { conditionsOf, kindSchema } from '../../meta.js';
import { int32, listOf, object, str, time } from '../../schema.js';
import { parseGifeeVersion } from '../../version-skew.js';
import { parseGoDuration } from '../../../util/go-duration.js';

export const UPGRADE_GROUP = 'gifee.dev';
export const UPGRADE_API_VERSION = `${UPGRADE_GROUP}/v1alpha1`;
/** At most this many nodes at once: beyond it an upgrade is not rolling any more, just an outage. */
export const MAX_UPGRADE_CONCURRENCY = 50;
export const DEFAULT_READY_TIMEOUT_SECONDS = 180;
export const MAX_READY_TIMEOUT_SECONDS = 3600;

export interface UpgradeNodeStatus {
  name: string;
  /** Pending, Draining, Switching, Done, RollingBack, Failed, Cancelled (its drain stopped by a halt). */
  state: string;
  fromPath?: string;
  fromVersion?: string;
  startedAt?: string;
  /** When the target was written on the node: heartbeats older than this are the old agent's. */
  switchedAt?: string;
  /** When the node was first seen Ready on the version it should run: done once it stayed so a while. */
  readyAt?: string;
  /** Why a Failed node failed, machine-readable: the Halted condition's reason (NodeUpgradeFailed when absent). */
  reason?: string;
  message?: string;
}

export interface Upgrade extends KObject {
  spec?: {
    /** Exactly one of path (a build directory on every node) and image (an OCI image holding the build under /gifee). */
    target?: { path?: string; image?: string; version?: string };
    concurrency?: number;
    readyTimeoutSeconds?: number;
    /** system-upgrade-controller's drain.timeout: a Go duration ("5m"); absent or 0, a drain waits as long as it takes. */
    drain?: { timeout?: string };
  };
  status?: {
    /** Progressing, Complete, Halting (a node failed; nodes already switched still finishing), Halted. */
    phase?: string;
    nodes?: UpgradeNodeStatus[];
    conditions?: { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string }[];
  };
}

/**
 * spec.drain.timeout in milliseconds: undefined when there is none (absent, or 0 as `kubectl drain
 * --timeout=0` means), also when it does not parse (validation refuses that before it is stored).
 */
export function drainTimeoutMs(u: Upgrade): number | undefined {
  const t = u.spec?.drain?.timeout;
  const ms = typeof t === 'string' ? parseGoDuration(t) : undefined;
  return ms !== undefined && ms > 0 ? ms : undefined;
}

/** The longest image reference accepted (Docker's own limit on a name is 255; a tag and digest add to it). */
const MAX_IMAGE_REFERENCE = 512;

/**
 * Why an image reference cannot be one, in the shape only (each agent parses it with the registry
 * rules before pulling, and `gifee upgrade plan` does too): a string, not empty, not too long, no
 * whitespace or control characters.
 */
function imageReferenceProblem(ref: unknown): string | undefined {
  if (typeof ref !== 'string' || ref === '') return 'must be an image reference such as registry.local/gifee:0.2.0';
  if (ref.length > MAX_IMAGE_REFERENCE) return `must be at most ${MAX_IMAGE_REFERENCE} characters`;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\s\x00-\x1f\x7f]/.test(ref)) return 'must not contain whitespace or control characters';
  return undefined;
}

function validate(o: KObject, old?: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const spec = (o as Upgrade).spec;
  const path = spec?.target?.path;
  const image = spec?.target?.image;
  if (path === undefined && image === undefined) errs.push(fieldErr.required('spec.target.path', 'one of spec.target.path and spec.target.image is required'));
  else if (path !== undefined && image !== undefined) errs.push(fieldErr.invalid('spec.target.image', image, 'may not be set together with spec.target.path: name the build by one of them'));
  else if (path !== undefined) {
    const bad = buildPathProblem(path);
    if (bad) errs.push(fieldErr.invalid('spec.target.path', path, bad));
  } else {
    const bad = imageReferenceProblem(image);
    if (bad) errs.push(fieldErr.invalid('spec.target.image', image, bad));
  }
  const version = spec?.target?.version;
  if (version === undefined) errs.push(fieldErr.required('spec.target.version'));
  else if (!parseGifeeVersion(version)) errs.push(fieldErr.invalid('spec.target.version', version, 'must be a gifee version MAJOR.MINOR.PATCH'));
  const c = spec?.concurrency;
  if (c !== undefined && (!Number.isInteger(c) || c < 1 || c > MAX_UPGRADE_CONCURRENCY)) errs.push(fieldErr.invalid('spec.concurrency', c, `must be between 1 and ${MAX_UPGRADE_CONCURRENCY}`));
  const t = spec?.readyTimeoutSeconds;
  if (t !== undefined && (!Number.isInteger(t) || t < 5 || t > MAX_READY_TIMEOUT_SECONDS)) errs.push(fieldErr.invalid('spec.readyTimeoutSeconds', t, `must be between 5 and ${MAX_READY_TIMEOUT_SECONDS}`));
  const dt = spec?.drain?.timeout;
  if (dt !== undefined) {
    const ms = typeof dt === 'string' ? parseGoDuration(dt) : undefined;
    if (ms === undefined) errs.push(fieldErr.invalid('spec.drain.timeout', dt, 'must be a duration like 30s, 5m or 1h30m'));
    else if (ms < 0) errs.push(fieldErr.invalid('spec.drain.timeout', dt, 'must not be negative'));
  }
  if (old && JSON.stringify((old as Upgrade).spec) !== JSON.stringify(spec)) errs.push(fieldErr.forbidden('spec', 'an Upgrade is immutable once created: delete it and plan a new one'));
  return errs;
}

const condition = object({ type: str(), status: str(), reason: str(), message: str(), lastTransitionTime: time() }, 'An observation of the upgrade.');

export const upgrade: KindDef = {
  group: UPGRADE_GROUP,
  version: 'v1alpha1',
  kind: 'Upgrade',
  plural: 'upgrades',
  singular: 'upgrade',
  namespaced: false,
  schema: kindSchema('dev.gifee.v1alpha1.Upgrade', "Upgrade rolls the cluster's node agents onto another gifee build, node by node: cordon, drain through the eviction API, switch the agent, wait for Ready with the new version, uncordon. Cluster-scoped.", {
    spec: object(
      {
        target: object(
          {
            path: str('Absolute path of the gifee build on every node (a directory holding package.json, bin/gifee.js and dist/). Exactly one of path and image.'),
            image: str('An OCI image holding the gifee build under /gifee: each agent pulls it and runs the build from its data dir. Exactly one of path and image.'),
            version: str("The version in the build's package.json; a node counts as upgraded when it reports it."),
          },
          'The build to upgrade to. Required.',
        ),
        concurrency: int32('How many agent nodes are upgraded at once (servers always one at a time). Default 1.', { default: 1 }),
        readyTimeoutSeconds: int32(`How long a switched node may take to be Ready on the new version before it is rolled back and the upgrade halts. Default ${DEFAULT_READY_TIMEOUT_SECONDS}.`, { default: DEFAULT_READY_TIMEOUT_SECONDS }),
        drain: object(
          {
            timeout: str('How long one node\'s drain may take (a duration: "30s", "5m", "1h30m"). When pods are still on the node after it (a PodDisruptionBudget that allows no disruption), the drain stops, the node is uncordoned and the upgrade halts (reason DrainTimeout). Absent or 0: wait as long as it takes.'),
          },
          'How nodes are drained.',
        ),
      },
      'What to upgrade to and how fast.',
    ),
    status: object(
      {
        phase: str('Progressing, Complete, Halting (a node failed; nodes already switched still finishing) or Halted.'),
        nodes: listOf(object({ name: str(), state: str(), fromPath: str(), fromVersion: str(), startedAt: time(), switchedAt: time(), readyAt: time(), reason: str(), message: str() }, "One node's progress."), "Each node's progress."),
        conditions: conditionsOf(condition),
      },
      'What the upgrade controller observed.',
    ),
  }),
  subresources: { status: true },
  hasGeneration: true,
  validate,
  printerColumns: [
    { name: 'Version', type: 'string', jsonPath: '.spec.target.version' },
    { name: 'Image', type: 'string', jsonPath: '.spec.target.image', priority: 1 },
    { name: 'Concurrency', type: 'integer', jsonPath: '.spec.concurrency' },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
  ],
};
