// The agent's side of an upgrade (docs/upgrades.md). At start it refuses servers the skew policy
// forbids (an agent a minor version newer, or more than two minors older). While running it
// publishes the build it runs from on its Node and watches its Node for the upgrade controller's
// target build: a valid target (a gifee build whose package.json declares the expected version; an
// image target is pulled and unpacked into the data dir first, src/agent/upgrade/image-build.ts)
// makes the agent stop (containers keep running under runc and are re-adopted) and run the target
// as a child process with the same arguments. Node cannot exec in place, so this process stays as
// a thin parent: it forwards SIGTERM/SIGINT and exits with the child. A child that exits on its own
// (a build that cannot start) is a failed switch: the caller starts its own build again and never
// switches to that target again, and the controller's timeout rolls the Node's target back.

import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KObject } from '../api/kind.js';
import { readGifeeBuild } from '../api/gifee-build.js';
import { ANN_AGENT_BUILD, ANN_TARGET_BUILD, ANN_TARGET_IMAGE, ANN_TARGET_VERSION } from '../api/kinds/upgrade/index.js';
import { GIFEE_VERSION } from '../api/version.js';
import { agentSkewProblem, gifeeVersionOfKubelet } from '../api/version-skew.js';
import { informerScope } from '../client/informer-factory.js';
import { R } from '../client/resources.js';
import type { RestClient } from '../client/rest.js';
import type { Logger } from '../util/log.js';
import { UsageError } from './args.js';

/** Set for a build started by a switch: the version it switched from, whose data dir stamp it accepts (a rollback). */
export const SWITCHED_FROM_ENV = 'GIFEE_AGENT_SWITCHED_FROM';

/** The directory of the build this process runs from (dist/src/cli/ -> the checkout). */
export const OWN_BUILD = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Refuses to run against servers the skew policy forbids; a server that does not say its gifee version is let be. */
export async function checkServerSkew(client: RestClient, log: Logger): Promise<void> {
  const v = await client.request<{ gitVersion?: string }>('GET', '/version').catch((e: Error) => {
    log.warn('cannot read the server version; skew not checked', { err: e.message });
    return undefined;
  });
  const server = gifeeVersionOfKubelet(v?.gitVersion);
  if (!server) return;
  const problem = agentSkewProblem(GIFEE_VERSION, server);
  if (problem) throw new UsageError(`gifee agent: ${problem} (docs/upgrades.md: servers upgrade first; agents may lag by up to two minor versions)`);
}

export interface UpgradeWatch {
  /** Resolves with the build to switch to (never, until one is asked for). */
  target: Promise<{ path: string; version: string }>;
  stop(): void;
}

/** How soon an image target that could not be pulled or unpacked is tried again. */
const IMAGE_RETRY_MS = 30_000;

/**
 * Publishes this agent's build on its Node and watches the Node for a target build: a directory, or
 * an image that imageBuild turns into one (pulled and unpacked into the data dir).
 */
export function watchUpgradeTarget(o: { client: RestClient; nodeName: string; log: Logger; refused: ReadonlySet<string>; imageBuild?: (ref: string) => Promise<string> }): UpgradeWatch {
  const scope = informerScope({ client: o.client, log: o.log }, 'agent-upgrade');
  const nodes = scope.informer(R.nodes, { query: { fieldSelector: `metadata.name=${o.nodeName}` } });
  let published = false;
  let resolveTarget!: (t: { path: string; version: string }) => void;
  const target = new Promise<{ path: string; version: string }>((r) => (resolveTarget = r));
  let asked = false;
  let closed = false;
  let lastRefusal = '';
  const refuse = (why: string) => {
    // Said once per target, not at every node update: the controller's timeout rolls it back.
    if (why !== lastRefusal) o.log.error('not switching to the target build', { err: why });
    lastRefusal = why;
  };
  const consider = (path: string, version: string | undefined) => {
    if (asked || path === OWN_BUILD || o.refused.has(path)) return;
    try {
      const build = readGifeeBuild(path);
      if (build.version !== version) throw new Error(`${path} holds gifee ${build.version}, not the ${version} the upgrade asks for`);
      asked = true;
      resolveTarget(build);
    } catch (e) {
      refuse(`${path}: ${(e as Error).message}`);
    }
  };
  // An image target becomes a build directory once pulled and unpacked (imageBuild); one at a time,
  // a failure retried after IMAGE_RETRY_MS, a result remembered (a switched agent finds its own build).
  const imagePaths = new Map<string, string>();
  let pulling = false;
  let lastImageFailure = 0;
  const considerImage = (ref: string, version: string | undefined) => {
    const known = imagePaths.get(ref);
    if (known) return consider(known, version);
    if (!o.imageBuild) return refuse(`${ref}: this agent cannot run an image target`);
    if (asked || pulling || Date.now() - lastImageFailure < IMAGE_RETRY_MS) return;
    pulling = true;
    o.imageBuild(ref).then(
      (path) => {
        pulling = false;
        imagePaths.set(ref, path);
        // Stopped meanwhile (SIGTERM): no switch asked after the stop.
        if (closed) return;
        // The Node as it is now: the target may have changed (a rollback) while the image was pulled.
        const latest = nodes.list()[0];
        if (latest) seen(latest);
      },
      (e: Error) => {
        pulling = false;
        lastImageFailure = Date.now();
        refuse(`${ref}: ${e.message}`);
      },
    );
  };
  const seen = (n: KObject) => {
    const ann = n.metadata?.annotations ?? {};
    if (!published && ann[ANN_AGENT_BUILD] !== OWN_BUILD) {
      published = true;
      o.client.patch(R.nodes, undefined, o.nodeName, { metadata: { annotations: { [ANN_AGENT_BUILD]: OWN_BUILD } } }, 'merge').catch((e: Error) => {
        published = false;
        o.log.warn('cannot publish this agent build on its node', { err: e.message });
      });
    }
    if (asked) return;
    const image = ann[ANN_TARGET_IMAGE];
    if (image) return considerImage(image, ann[ANN_TARGET_VERSION]);
    const path = ann[ANN_TARGET_BUILD];
    if (path) consider(path, ann[ANN_TARGET_VERSION]);
  };
  nodes.addHandlers({ onAdd: seen, onUpdate: (_, n) => seen(n) });
  scope.start();
  return {
    target,
    stop: () => {
      closed = true;
      scope.close();
    },
  };
}

/**
 * Runs `build`'s gifee with this process's arguments as a child, forwarding termination signals.
 * Resolves with how it ended: 'signalled' (we were asked to stop: exit) or 'failed' (it exited on
 * its own: the caller goes back to its own build).
 */
export function runBuild(build: { path: string }, log: Logger): Promise<'signalled' | 'failed'> {
  const child: ChildProcess = spawn(process.execPath, [...process.execArgv, join(build.path, 'bin', 'gifee.js'), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, [SWITCHED_FROM_ENV]: GIFEE_VERSION },
  });
  let signalled = false;
  const forward = (sig: NodeJS.Signals) => {
    signalled = true;
    child.kill(sig);
  };
  const onTerm = () => forward('SIGTERM');
  const onInt = () => forward('SIGINT');
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onInt);
  return new Promise((resolveRun) => {
    const done = (how: string) => {
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
      if (!signalled) log.error('the switched-to agent build exited on its own; going back to this build', { build: build.path, how });
      resolveRun(signalled ? 'signalled' : 'failed');
    };
    child.once('error', (e) => done(e.message));
    child.once('exit', (code, sig) => done(sig ?? `code ${code}`));
  });
}
