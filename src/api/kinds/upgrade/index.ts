// gifee.dev/v1alpha1: gifee's own kinds (the Upgrade of docs/upgrades.md).
import type { KindDef } from '../../kind.js';
import { upgrade } from './upgrade.js';

export * from './upgrade.js';
export const upgradeKinds: KindDef[] = [upgrade];
export * from './annotations.js';
