// core/v1 Secret: sensitive data. stringData is write-only convenience: merged into data (base64)
// on write, never stored or returned.

import { fieldErr } from '../../errors.js';
import type { FieldError, KindDef, KObject } from '../../kind.js';
import { kindSchema } from '../../meta.js';
import { bool, bytes, mapOf, str, stringMap } from '../../schema.js';
import { validateDataKeys } from './data-keys.js';

const REQUIRED_KEYS: Record<string, string[]> = {
  'kubernetes.io/tls': ['tls.crt', 'tls.key'],
  'kubernetes.io/dockerconfigjson': ['.dockerconfigjson'],
  'kubernetes.io/dockercfg': ['.dockercfg'],
  'kubernetes.io/ssh-auth': ['ssh-privatekey'],
};

export const secret: KindDef = {
  group: '',
  version: 'v1',
  kind: 'Secret',
  plural: 'secrets',
  singular: 'secret',
  namespaced: true,
  schema: kindSchema('io.k8s.api.core.v1.Secret', 'Sensitive data (passwords, tokens, keys) for pods, kept apart from their specs.', {
    data: mapOf(bytes(), 'Secret data by key, base64-encoded.'),
    stringData: stringMap('Write-only plain-text data, merged into data on write (wins over data for the same key).'),
    type: str('How the data is used, e.g. Opaque, kubernetes.io/tls, kubernetes.io/dockerconfigjson.'),
    immutable: bool('If true, data cannot be changed after creation.'),
  }),
  printerColumns: [
    { name: 'Type', type: 'string', description: 'The secret type.', cell: (o) => (o.type as string) ?? '' },
    { name: 'Data', type: 'integer', description: 'Number of keys.', cell: (o) => Object.keys((o.data as object) ?? {}).length },
  ],
  fieldSelectors: { type: (o) => o.type as string | undefined },
  default: (o) => {
    o.type ??= 'Opaque';
    const sd = o.stringData as Record<string, string> | undefined;
    if (sd) {
      const data = (o.data ??= {}) as Record<string, string>;
      for (const [k, v] of Object.entries(sd)) data[k] = Buffer.from(String(v)).toString('base64');
      delete o.stringData;
    }
  },
  validate: (o, old) => {
    const errs: FieldError[] = validateDataKeys(o, 'data', 'stringData');
    const type = (o.type as string) ?? 'Opaque';
    for (const k of REQUIRED_KEYS[type] ?? []) if (!(o.data as Record<string, string> | undefined)?.[k]) errs.push(fieldErr.required(`data[${k}]`));
    if (type === 'kubernetes.io/basic-auth' && !(o.data as Record<string, string> | undefined)?.username && !(o.data as Record<string, string> | undefined)?.password) {
      errs.push(fieldErr.required('data[username]', 'basic-auth secrets need a username or password'));
    }
    if (old) {
      if ((old.type ?? 'Opaque') !== type) errs.push(fieldErr.invalid('type', type, 'field is immutable'));
      if ((old as KObject & { immutable?: boolean }).immutable) {
        if (JSON.stringify(o.data ?? {}) !== JSON.stringify(old.data ?? {})) errs.push(fieldErr.forbidden('data', 'field is immutable when `immutable` is set'));
        if (o.immutable !== true) errs.push(fieldErr.forbidden('immutable', 'field is immutable when `immutable` is set'));
      }
    }
    return errs;
  },
};
