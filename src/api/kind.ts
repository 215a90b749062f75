// A served kind, declared once: identity, schema, subresources, printer columns, and the few
// behaviours a schema cannot express (custom defaulting and validation). Built-in kinds and CRDs
// both become KindDefs; everything the API server serves is derived from these.

import type { ObjectSchema } from './schema.js';

/** A Kubernetes object as JSON. */
export type KObject = {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  [field: string]: unknown;
};

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  managedFields?: ManagedFieldsEntry[];
  [field: string]: unknown;
}

export interface ManagedFieldsEntry {
  manager?: string;
  operation?: 'Apply' | 'Update';
  apiVersion?: string;
  time?: string;
  fieldsType?: 'FieldsV1';
  fieldsV1?: unknown;
  subresource?: string;
}

/** One validation failure, as it appears in a Status' details.causes. */
export interface FieldError {
  /** e.g. 'spec.containers[0].image' */
  field: string;
  /** Kubernetes cause types: FieldValueRequired, FieldValueInvalid, FieldValueNotSupported, FieldValueDuplicate, FieldValueForbidden, FieldValueTooLong, FieldValueTypeInvalid */
  reason: string;
  message: string;
}

export interface PrinterColumn {
  name: string;
  /** OpenAPI type of the cell: string, integer, number, boolean, date */
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format?: string;
  description?: string;
  /** 0: always shown; 1+: only with -o wide. */
  priority?: number;
  /** JSONPath-like `.spec.replicas` (also used for CRD additionalPrinterColumns)... */
  jsonPath?: string;
  /** ...or a function for computed cells (pods' READY "1/2", STATUS, RESTARTS). */
  cell?: (obj: KObject) => unknown;
}

export interface ScaleSubresource {
  /** Dotted paths, e.g. '.spec.replicas', '.status.replicas', '.status.selector'. */
  specReplicasPath: string;
  statusReplicasPath: string;
  labelSelectorPath?: string;
}

export interface KindDef {
  /** The status a new object starts with (client-sent status is dropped on create), e.g. a Pod's phase Pending. */
  initialStatus?: (obj: KObject) => Record<string, unknown>;
  group: string; // '' for core
  version: string;
  kind: string;
  listKind?: string; // default kind + 'List'
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[]; // e.g. ['all']
  /** The whole object: apiVersion, kind, metadata, spec, status... (metadata is the shared ObjectMeta schema). */
  schema: ObjectSchema;
  subresources?: {
    status?: boolean;
    scale?: ScaleSubresource;
    /** Other subresource names served by other components (pods: log, exec, attach, portforward, binding, eviction). */
    other?: string[];
  };
  /** Verbs served; default: all of create, delete, deletecollection, get, list, patch, update, watch. */
  verbs?: string[];
  /** Columns for `kubectl get` (NAME first and AGE last are added by the table builder when absent). */
  printerColumns?: PrinterColumn[];
  /** No AGE column appended (Kubernetes' roles show CREATED AT instead). */
  noAgeColumn?: boolean;
  /** Field selectors beyond metadata.name and metadata.namespace: name -> value extractor. */
  fieldSelectors?: Record<string, (obj: KObject) => string | undefined>;
  /** Defaulting beyond schema `default`s, run after them (e.g. imagePullPolicy from the image tag). */
  default?: (obj: KObject) => void;
  /** Validation beyond the schema (names, selectors matching templates...). `old` is set on update. */
  validate?: (obj: KObject, old?: KObject) => FieldError[];
  /** The same rules as `validate`, as parts the API server runs with turns of the event loop between
   *  (each a whole pass over a large object: a pod's spec rules, then its update rules). */
  validateParts?: (obj: KObject, old?: KObject) => (() => FieldError[])[];
  /** On update of the main resource, before defaulting and validation: carry over or drop fields by the old object (Services keep allocated IPs and ports). */
  prepareUpdate?: (obj: KObject, old: KObject) => void;
  /**
   * On create, after defaulting and before validation (Kubernetes' PrepareForCreate): drop fields
   * behind disabled features, mirror deprecated annotations into fields; may push warnings.
   */
  prepareCreate?: (obj: KObject, warnings: string[]) => void;
  /** Kubernetes' WarningsOnCreate/WarningsOnUpdate (`old` set on update of the main resource): sent as `Warning:` headers. */
  warnings?: (obj: KObject, old?: KObject) => string[];
  /**
   * Whether updates bump metadata.generation: true for kinds with a spec whose changes controllers
   * act on (Kubernetes bumps generation when anything but metadata and status changes).
   */
  hasGeneration?: boolean;
  /** Top-level fields only writable through a subresource (default ['status'] when subresources.status). */
  statusFields?: string[];
  /** Name syntax: a DNS-1123 subdomain (default), a DNS-1123 label (namespaces, services), or any path segment. */
  nameFormat?: 'subdomain' | 'label' | 'path';
  /** On the first DELETE, before finalizers are looked at (Kubernetes' CRD registry adds its cleanup finalizer and a Terminating condition here). */
  beginDelete?: (obj: KObject) => void;
  /**
   * Graceful deletion (Kubernetes' RESTGracefulDeleteStrategy): the grace period in seconds a first
   * DELETE gives the object, from the request's gracePeriodSeconds; a later DELETE with 0 forces it.
   * Kinds without it are deleted at once (0).
   */
  deletionGracePeriod?: (obj: KObject, requested: number | undefined) => number;
  /** Whether something besides metadata.finalizers keeps a deleting object in the store (a
   *  namespace's spec.finalizers; a pod on a node until its agent stopped it). */
  holdsDeletion?: (obj: KObject) => boolean;
  /** Sent as a `Warning:` on every request to this version (a CRD version marked deprecated). */
  deprecationWarning?: string;
  /** Served from a CRD rather than compiled in. */
  custom?: boolean;
  /**
   * For kinds served at several versions that share one storage (autoscaling v1/v2, a CRD's
   * versions): every KindDef of the group/plural carries the same conversion. Objects are stored at
   * storageVersion and converted at the edges (request bodies in, responses and watch events out).
   * Absent: the kind has one version.
   */
  conversion?: KindConversion;
}

export interface KindConversion {
  /** The version objects are written to the store at, e.g. 'v2'. */
  storageVersion: string;
  /**
   * Returns obj (whose apiVersion names its version) as the version `toVersion` of the same group:
   * a new object, apiVersion rewritten; fields the target cannot express are kept in annotations
   * as Kubernetes does, so a round trip loses nothing. Must not throw on well-formed stored objects.
   */
  convert(obj: KObject, toVersion: string): KObject;
  /**
   * Set when converting needs a call out (a CRD's conversion webhook): converts a batch of objects
   * (any stored versions) to `toVersion`, in order, in one round trip. `convert` is then not used
   * for objects of another version. Rejects with an ApiError (500-class) when conversion fails.
   */
  convertBatch?(objs: KObject[], toVersion: string): Promise<KObject[]>;
}

export const apiVersionOf = (k: Pick<KindDef, 'group' | 'version'>): string => (k.group ? `${k.group}/${k.version}` : k.version);
