// The apiextensions.k8s.io/v1 CustomResourceDefinition object as JSON, typed loosely: everything in
// it is untrusted input, checked by validate-crd.ts before anything else reads it.

import type { KObject } from '../kind.js';

export interface CrdNames {
  plural?: string;
  singular?: string;
  kind?: string;
  listKind?: string;
  shortNames?: string[];
  categories?: string[];
}

export interface CrdPrinterColumn {
  name?: string;
  type?: string;
  format?: string;
  description?: string;
  priority?: number;
  jsonPath?: string;
}

export interface CrdVersion {
  name?: string;
  served?: boolean;
  storage?: boolean;
  deprecated?: boolean;
  deprecationWarning?: string;
  schema?: { openAPIV3Schema?: unknown };
  subresources?: { status?: Record<string, never>; scale?: { specReplicasPath?: string; statusReplicasPath?: string; labelSelectorPath?: string } };
  additionalPrinterColumns?: CrdPrinterColumn[];
  selectableFields?: { jsonPath?: string }[];
}

export interface CrdCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface CrdConversion {
  strategy?: string;
  webhook?: { clientConfig?: Record<string, unknown>; conversionReviewVersions?: string[] };
}

export type Crd = KObject & {
  spec?: {
    group?: string;
    names?: CrdNames;
    scope?: string;
    versions?: CrdVersion[];
    conversion?: CrdConversion;
    preserveUnknownFields?: boolean;
  };
  status?: {
    conditions?: CrdCondition[];
    acceptedNames?: CrdNames;
    storedVersions?: string[];
  };
};

export const CRD_GROUP = 'apiextensions.k8s.io';
/** Held on every CRD until its custom objects are gone (kube-apiserver's finalizer name). */
export const CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';

export const storageVersionOf = (crd: Crd): string | undefined => crd.spec?.versions?.find((v) => v.storage)?.name;
export const conditionOf = (crd: Crd, type: string) => crd.status?.conditions?.find((c) => c.type === type);
