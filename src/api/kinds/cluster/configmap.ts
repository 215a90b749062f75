// core/v1 ConfigMap: configuration data for pods, optionally immutable.

import { fieldErr } from '../../errors.js';
import type { FieldError, KindDef, KObject } from '../../kind.js';
import { kindSchema } from '../../meta.js';
import { bool, bytes, mapOf, stringMap } from '../../schema.js';
import { validateDataKeys } from './data-keys.js';

export const configMap: KindDef = {
  group: '',
  version: 'v1',
  kind: 'ConfigMap',
  plural: 'configmaps',
  singular: 'configmap',
  namespaced: true,
  shortNames: ['cm'],
  schema: kindSchema('io.k8s.api.core.v1.ConfigMap', 'Configuration data for pods to consume, as files or environment variables.', {
    data: stringMap('UTF-8 configuration data by key.'),
    binaryData: mapOf(bytes(), 'Binary configuration data by key, base64-encoded.'),
    immutable: bool('If true, data cannot be changed after creation (only deleted and recreated).'),
  }),
  printerColumns: [{ name: 'Data', type: 'integer', description: 'Number of keys.', cell: (o) => Object.keys((o.data as object) ?? {}).length + Object.keys((o.binaryData as object) ?? {}).length }],
  validate: (o, old) => {
    const errs: FieldError[] = validateDataKeys(o, 'data', 'binaryData');
    if (old && (old as KObject & { immutable?: boolean }).immutable) {
      if (JSON.stringify(o.data ?? {}) !== JSON.stringify(old.data ?? {}) || JSON.stringify(o.binaryData ?? {}) !== JSON.stringify(old.binaryData ?? {})) {
        errs.push(fieldErr.forbidden('data', 'field is immutable when `immutable` is set'));
      }
      if (o.immutable !== true) errs.push(fieldErr.forbidden('immutable', 'field is immutable when `immutable` is set'));
    }
    return errs;
  },
};
