// A CRD's served versions as KindDefs: what the API server, discovery, OpenAPI, tables, watch,
// SSA and the garbage collector serve for custom resources. Each version's schema comes from
// compileCrdSchema; versions share one KindConversion (strategy None rewrites apiVersion only).

import { ApiError } from '../errors.js';
import type { KindConversion, KindDef, KObject, PrinterColumn } from '../kind.js';
import type { ObjectSchema } from '../schema.js';
import { age } from '../table.js';
import { compileCrdSchema } from './compile.js';
import { type ConversionReviewVersion, pickConversionReviewVersion } from './conversion-review.js';
import { evaluateJsonPath, parseJsonPath } from './jsonpath.js';
import { type Crd, type CrdNames, type CrdPrinterColumn, storageVersionOf } from './types.js';

export interface CrdServing {
  /** True while the CRD is being deleted: no new objects (Kubernetes answers 405). */
  terminating(): boolean;
  /**
   * Converts objects through the CRD's conversion webhook (spec.conversion.strategy Webhook): the
   * API server's convertViaWebhook with its Service resolver. Rejects with Kubernetes' message
   * ("conversion webhook for <gvk> failed: ..."). Absent: such a CRD's objects are served at their
   * stored version only.
   */
  convertViaWebhook?(clientConfig: Record<string, unknown>, objects: KObject[], desiredAPIVersion: string, reviewVersion: ConversionReviewVersion): Promise<KObject[]>;
}

/** OpenAPI definition names of custom kinds: the group reversed, as Kubernetes names them (com.example.stable.v1.CronTab). */
export const definitionName = (group: string, version: string, kind: string) => `${group.split('.').reverse().join('.')}.${version}.${kind}`;

function column(c: CrdPrinterColumn): PrinterColumn | undefined {
  const steps = parseJsonPath(c.jsonPath ?? '');
  if (typeof steps === 'string') return undefined;
  const type = (c.type ?? 'string') as PrinterColumn['type'];
  return {
    name: c.name ?? '',
    type,
    format: c.format,
    description: c.description,
    priority: c.priority ?? 0,
    jsonPath: c.jsonPath,
    cell: (o) => {
      const v = evaluateJsonPath(steps, o)[0];
      if (v === undefined || v === null) return type === 'string' || type === 'date' ? '' : null;
      if (type === 'date' && typeof v === 'string') return age(v);
      return typeof v === 'object' ? JSON.stringify(v) : v;
    },
  };
}

const selectorValue = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined);

function conversionOf(crd: Crd, serving: CrdServing): KindConversion | undefined {
  const versions = crd.spec?.versions ?? [];
  if (versions.filter((v) => v.served).length < 2 && versions.length < 2) return undefined;
  const storageVersion = storageVersionOf(crd) ?? versions[0]?.name ?? '';
  const group = crd.spec?.group ?? '';
  const strategy = crd.spec?.conversion?.strategy ?? 'None';
  const kind = crd.spec?.names?.kind ?? '';
  if (strategy === 'Webhook') {
    const clientConfig = crd.spec?.conversion?.webhook?.clientConfig ?? {};
    const reviewVersion = pickConversionReviewVersion(crd.spec?.conversion?.webhook?.conversionReviewVersions);
    const call = reviewVersion ? serving.convertViaWebhook : undefined;
    const unavailable = () => new ApiError(500, 'InternalError', `conversion webhook for ${group}, Kind=${kind} failed: ${reviewVersion ? 'no conversion webhook client in this server' : 'webhook does not accept known ConversionReview versions (v1, v1beta1)'}`);
    return {
      storageVersion,
      // Never used for objects of another version: the view (storage/versions.ts) waits on convertBatch.
      convert(obj, toVersion) {
        if (obj.apiVersion === `${group}/${toVersion}`) return obj;
        throw unavailable();
      },
      convertBatch(objs, toVersion) {
        if (!call) return Promise.reject(unavailable());
        return call(clientConfig, objs, `${group}/${toVersion}`, reviewVersion!);
      },
    };
  }
  return {
    storageVersion,
    convert(obj, toVersion) {
      const apiVersion = `${group}/${toVersion}`;
      if (obj.apiVersion === apiVersion) return obj;
      return { ...obj, apiVersion };
    },
  };
}

/** The KindDefs of every served version, under the accepted names. */
export function crdKindDefs(crd: Crd, names: CrdNames, serving: CrdServing): KindDef[] {
  const spec = crd.spec ?? {};
  const group = spec.group ?? '';
  const conversion = conversionOf(crd, serving);
  const defs: KindDef[] = [];
  (spec.versions ?? []).forEach((v, i) => {
    if (!v.served || !v.name) return;
    const compiled = compileCrdSchema(v.schema?.openAPIV3Schema ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }, `spec.versions[${i}].schema.openAPIV3Schema`);
    if ('errors' in compiled) return;
    const kind = names.kind ?? '';
    const schema: ObjectSchema = { ...compiled.schema, name: definitionName(group, v.name, kind) };
    const printerColumns = (v.additionalPrinterColumns ?? []).map(column).filter((c): c is PrinterColumn => !!c);
    const fieldSelectors: KindDef['fieldSelectors'] = {};
    for (const f of v.selectableFields ?? []) {
      const steps = parseJsonPath(f.jsonPath ?? '');
      if (typeof steps !== 'string') fieldSelectors[(f.jsonPath ?? '').slice(1)] = (o) => selectorValue(evaluateJsonPath(steps, o)[0]);
    }
    const scale = v.subresources?.scale;
    const deprecationWarning = v.deprecated ? (v.deprecationWarning ?? `${group}/${v.name} ${kind} is deprecated`) : undefined;
    defs.push({
      group,
      version: v.name,
      kind,
      listKind: names.listKind || `${kind}List`,
      plural: names.plural ?? '',
      singular: names.singular || kind.toLowerCase(),
      namespaced: spec.scope === 'Namespaced',
      ...(names.shortNames?.length ? { shortNames: names.shortNames } : {}),
      ...(names.categories?.length ? { categories: names.categories } : {}),
      schema,
      subresources: {
        ...(v.subresources?.status ? { status: true } : {}),
        ...(scale?.specReplicasPath && scale.statusReplicasPath ? { scale: { specReplicasPath: scale.specReplicasPath, statusReplicasPath: scale.statusReplicasPath, ...(scale.labelSelectorPath ? { labelSelectorPath: scale.labelSelectorPath } : {}) } } : {}),
      },
      printerColumns,
      // Kubernetes shows exactly the given columns (after NAME); AGE only when none are given.
      ...(printerColumns.length ? { noAgeColumn: true } : {}),
      fieldSelectors,
      hasGeneration: true,
      custom: true,
      ...(conversion ? { conversion } : {}),
      ...(deprecationWarning ? { deprecationWarning } : {}),
      validate: (obj, old) => compiled.validate(obj, old),
      prepareCreate: () => {
        if (serving.terminating()) throw new ApiError(405, 'MethodNotAllowed', `create not allowed while custom resource definition is terminating`);
      },
    });
  });
  return defs;
}
