// Field selectors: `a=b`, `a==b`, `a!=b`, comma-separated (AND), matched through a value extractor.

import { ApiError } from './errors.js';

export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

export interface FieldSelector {
  requirements: FieldRequirement[];
  matches(get: (field: string) => string | undefined): boolean;
}

export function parseFieldSelector(s: string): FieldSelector {
  const requirements: FieldRequirement[] = [];
  for (const part of s
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = /^([^=!]+)(==|=|!=)(.*)$/.exec(part);
    if (!m) throw new ApiError(400, 'BadRequest', `invalid field selector "${s}": "${part}" is not of the form field=value or field!=value`);
    requirements.push({ field: m[1].trim(), op: m[2] === '!=' ? '!=' : '=', value: m[3].trim() });
  }
  return {
    requirements,
    matches(get) {
      return requirements.every((r) => ((get(r.field) ?? '') === r.value) === (r.op === '='));
    },
  };
}
