// PodSecurityConfiguration (pod-security.admission.config.k8s.io/v1): the levels namespaces without
// labels get, and who is exempt (users, runtime classes, namespaces). Read bare or inside an
// AdmissionConfiguration's PodSecurity plugin entry, as Kubernetes' --admission-control-config-file.

import { parse } from 'yaml';
import { isLevel, minorOf, MODES, type Policy } from './policy.js';

export interface PodSecurityConfig {
  defaults: Policy;
  exemptions: { usernames: string[]; runtimeClasses: string[]; namespaces: string[] };
}

/** Kubernetes' own defaults: everything privileged, nobody exempt. */
export const PRIVILEGED_DEFAULTS: PodSecurityConfig = {
  defaults: { enforce: { level: 'privileged', version: 'latest' }, audit: { level: 'privileged', version: 'latest' }, warn: { level: 'privileged', version: 'latest' } },
  exemptions: { usernames: [], runtimeClasses: [], namespaces: [] },
};

/** gifee's defaults without a file: baseline enforced, restricted warned, kube-system exempt. */
export const GIFEE_DEFAULTS: PodSecurityConfig = {
  defaults: { enforce: { level: 'baseline', version: 'latest' }, audit: { level: 'restricted', version: 'latest' }, warn: { level: 'restricted', version: 'latest' } },
  exemptions: { usernames: [], runtimeClasses: [], namespaces: ['kube-system'] },
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const API_VERSIONS = ['pod-security.admission.config.k8s.io/v1', 'pod-security.admission.config.k8s.io/v1beta1', 'pod-security.admission.config.k8s.io/v1alpha1'];

/** Parses the file's text; throws an Error naming the field at fault. */
export function parsePodSecurityConfig(text: string): PodSecurityConfig {
  let doc: unknown;
  try {
    doc = parse(text, { maxAliasCount: 10 });
  } catch (e) {
    throw new Error(`not YAML or JSON: ${(e as Error).message.split('\n')[0]}`);
  }
  if (!isObject(doc)) throw new Error('expected a PodSecurityConfiguration or an AdmissionConfiguration');
  let at = '';
  if (doc.kind === 'AdmissionConfiguration') {
    const plugins = Array.isArray(doc.plugins) ? doc.plugins : [];
    const i = plugins.findIndex((p) => isObject(p) && p.name === 'PodSecurity');
    if (i < 0) throw new Error('plugins: no entry named PodSecurity');
    const entry = plugins[i] as Record<string, unknown>;
    if (entry.path !== undefined) throw new Error(`plugins[${i}].path: give the configuration inline (configuration:)`);
    doc = entry.configuration;
    at = `plugins[${i}].configuration.`;
    if (!isObject(doc)) throw new Error(`${at.slice(0, -1)}: a PodSecurityConfiguration is required`);
  }
  if (doc.kind !== 'PodSecurityConfiguration') throw new Error(`${at}kind must be PodSecurityConfiguration, not ${JSON.stringify(doc.kind)}`);
  if (!API_VERSIONS.includes(String(doc.apiVersion))) throw new Error(`${at}apiVersion must be one of ${API_VERSIONS.join(', ')}`);
  const cfg: PodSecurityConfig = structuredClone(PRIVILEGED_DEFAULTS);
  const defaults = doc.defaults === undefined ? {} : doc.defaults;
  if (!isObject(defaults)) throw new Error(`${at}defaults: expected an object`);
  for (const mode of MODES) {
    const level = defaults[mode];
    if (level !== undefined) {
      if (!isLevel(level)) throw new Error(`${at}defaults.${mode}: must be one of privileged, baseline, restricted, not ${JSON.stringify(level)}`);
      cfg.defaults[mode].level = level;
    }
    const version = defaults[`${mode}-version`];
    if (version !== undefined) {
      if (typeof version !== 'string' || minorOf(version) === undefined) throw new Error(`${at}defaults.${mode}-version: must be "latest" or "v1.x", not ${JSON.stringify(version)}`);
      cfg.defaults[mode].version = version;
    }
  }
  const ex = doc.exemptions === undefined ? {} : doc.exemptions;
  if (!isObject(ex)) throw new Error(`${at}exemptions: expected an object`);
  for (const k of ['usernames', 'runtimeClasses', 'namespaces'] as const) {
    const list = ex[k] ?? [];
    if (!Array.isArray(list) || list.some((x) => typeof x !== 'string' || x === '')) throw new Error(`${at}exemptions.${k}: expected a list of names`);
    cfg.exemptions[k] = [...new Set(list as string[])];
  }
  return cfg;
}
