// The node annotations an upgrade is carried by (docs/upgrades.md). The agent publishes the build it
// runs from; the upgrade controller asks for another by writing the target; the agent, watching its
// own Node, switches when the target differs from its build. One place, so both sides agree.

/** Written by the agent at start: the absolute directory of the gifee build it runs from. */
export const ANN_AGENT_BUILD = 'upgrade.gifee.dev/agent-build';
/** Written by the upgrade controller: the build the agent should run. */
export const ANN_TARGET_BUILD = 'upgrade.gifee.dev/target-build';
/**
 * Written by the upgrade controller instead of the target build when the Upgrade names an OCI image:
 * the agent pulls it and runs the build the image holds under IMAGE_BUILD_DIR.
 */
export const ANN_TARGET_IMAGE = 'upgrade.gifee.dev/target-image';
/** Where an upgrade image holds its gifee build (package.json, bin/gifee.js, dist/, node_modules/). */
export const IMAGE_BUILD_DIR = '/gifee';
/** Written by the upgrade controller: the version the target build declares (checked by the agent). */
export const ANN_TARGET_VERSION = 'upgrade.gifee.dev/target-version';
/** Set by the upgrade controller when it cordoned the node: only then does it uncordon it. */
export const ANN_CORDONED_BY_UPGRADE = 'upgrade.gifee.dev/cordoned';
