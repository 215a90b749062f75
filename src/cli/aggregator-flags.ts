// API aggregation as flags of `gifee server` and `gifee up` (kube-apiserver's names): the front
// proxies this server trusts (--requestheader-*) and the client certificate it proxies to extension
// API servers with (--proxy-client-*). Without them gifee uses its own front-proxy PKI
// (DATA/pki/front-proxy-ca.*, front-proxy-client.*, made on first start), as kubeadm sets them up.

import { readFile } from 'node:fs/promises';
import { type FlagTable, UsageError } from './args.js';
import type { RequestHeaderOptions } from '../apiserver/authn/requestheader.js';
import { REQUEST_HEADER_DEFAULTS } from '../apiserver/authn/requestheader.js';

export const AGGREGATOR_FLAG_TABLE: FlagTable = {
  'requestheader-client-ca-file': { type: 'string', value: 'FILE', help: "CA bundle that signs front proxies' client certificates, whose requests\nname the user in headers (default: DATA/pki/front-proxy-ca.crt, generated)" },
  'requestheader-allowed-names': { type: 'string', value: 'A,B', help: "CNs a front proxy's certificate may have (empty: any the CA signed;\ndefault with the generated CA: front-proxy-client)" },
  'requestheader-username-headers': { type: 'string', value: 'H,...', help: 'headers naming the user', default: 'X-Remote-User' },
  'requestheader-group-headers': { type: 'string', value: 'H,...', help: "headers naming the user's groups", default: 'X-Remote-Group' },
  'requestheader-extra-headers-prefix': { type: 'string', value: 'P,...', help: 'prefixes of headers carrying extra user attributes', default: 'X-Remote-Extra-' },
  'proxy-client-cert-file': { type: 'string', value: 'FILE', help: 'client certificate presented to extension API servers when proxying\n(default: DATA/pki/front-proxy-client.crt, generated)' },
  'proxy-client-key-file': { type: 'string', value: 'FILE', help: 'its key' },
};

export interface AggregatorSettings {
  requestHeaderClientCAFile?: string;
  allowedNames?: string[];
  usernameHeaders: string[];
  groupHeaders: string[];
  extraHeaderPrefixes: string[];
  proxyClientCertFile?: string;
  proxyClientKeyFile?: string;
}

const list = (v: unknown): string[] | undefined =>
  v === undefined
    ? undefined
    : String(v)
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);

export function aggregatorOf(f: Record<string, unknown>): AggregatorSettings {
  const cert = f['proxy-client-cert-file'] as string | undefined;
  const key = f['proxy-client-key-file'] as string | undefined;
  if (!!cert !== !!key) throw new UsageError('--proxy-client-cert-file and --proxy-client-key-file go together');
  const headers = (flag: string, dflt: string[]) => {
    const v = list(f[flag]) ?? dflt;
    for (const h of v) if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(h)) throw new UsageError(`--${flag}: "${h}" is not a header name`);
    return v;
  };
  return {
    requestHeaderClientCAFile: f['requestheader-client-ca-file'] as string | undefined,
    allowedNames: list(f['requestheader-allowed-names']),
    usernameHeaders: headers('requestheader-username-headers', REQUEST_HEADER_DEFAULTS.usernameHeaders),
    groupHeaders: headers('requestheader-group-headers', REQUEST_HEADER_DEFAULTS.groupHeaders),
    extraHeaderPrefixes: headers('requestheader-extra-headers-prefix', REQUEST_HEADER_DEFAULTS.extraHeaderPrefixes),
    proxyClientCertFile: cert,
    proxyClientKeyFile: key,
  };
}

/** The API server's aggregation options: files given by flags, the generated front-proxy PKI for the rest. */
export async function loadAggregation(dataDir: string, s: AggregatorSettings | undefined): Promise<{ requestHeader: RequestHeaderOptions; proxyClient: { cert: string; key: string } }> {
  const { ensureFrontProxyPki, FRONT_PROXY_CLIENT_NAME } = await import('./pki.js');
  const generated = await ensureFrontProxyPki(dataDir);
  const read = (file: string, flag: string) =>
    readFile(file, 'utf8').catch((e: Error) => {
      throw new UsageError(`--${flag}: ${e.message}`);
    });
  const clientCA = s?.requestHeaderClientCAFile ? await read(s.requestHeaderClientCAFile, 'requestheader-client-ca-file') : generated.ca.cert;
  const proxyClient = s?.proxyClientCertFile && s.proxyClientKeyFile ? { cert: await read(s.proxyClientCertFile, 'proxy-client-cert-file'), key: await read(s.proxyClientKeyFile, 'proxy-client-key-file') } : generated.client;
  return {
    requestHeader: {
      clientCA,
      allowedNames: s?.allowedNames ?? (s?.requestHeaderClientCAFile ? [] : [FRONT_PROXY_CLIENT_NAME]),
      usernameHeaders: s?.usernameHeaders ?? REQUEST_HEADER_DEFAULTS.usernameHeaders,
      groupHeaders: s?.groupHeaders ?? REQUEST_HEADER_DEFAULTS.groupHeaders,
      extraHeaderPrefixes: s?.extraHeaderPrefixes ?? REQUEST_HEADER_DEFAULTS.extraHeaderPrefixes,
    },
    proxyClient,
  };
}
