// Keys and annotation checks the volume controllers use over claims and volumes. The objects' shapes
// and Kubernetes' helpers over them (class, sizes, binding) are shared with the scheduler in
// src/api/storage/types.ts.

import type { KObject } from '../../api/kind.js';
import type { ClaimRef } from '../../api/storage/types.js';

export const claimKey = (c: { metadata?: { namespace?: string; name?: string } }) => `${c.metadata?.namespace ?? ''}/${c.metadata?.name ?? ''}`;
export const claimRefKey = (r: ClaimRef) => `${r.namespace ?? ''}/${r.name ?? ''}`;

export const hasAnnotation = (o: KObject, key: string) => o.metadata?.annotations?.[key] !== undefined;
