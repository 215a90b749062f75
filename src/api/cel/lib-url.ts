// Kubernetes' CEL URL library: url(s), isURL(s), getScheme, getHost, getHostname, getPort,
// getEscapedPath, getQuery. As Go's url.ParseRequestURI: an absolute URL or an absolute path.

import { type CelFunc, type CelValue, CelScalar, celFunc, celMethod, listType, mapType } from '@bufbuild/cel';
import { makeOpaque, opaqueOf } from './opaque.js';

interface U {
  scheme: string;
  host: string;
  hostname: string;
  port: string;
  path: string;
  query: string;
}

function parseUrl(s: string): U {
  const bad = () => new Error(`URL parse error during conversion from string: parse ${JSON.stringify(s)}: invalid URI for request`);
  if (s.length > 100_000 || /\s/.test(s)) throw bad();
  if (s.startsWith('/')) {
    const q = s.indexOf('?');
    return { scheme: '', host: '', hostname: '', port: '', path: q < 0 ? s : s.slice(0, q), query: q < 0 ? '' : s.slice(q + 1) };
  }
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):(\/\/([^/?#]*))?([^?#]*)(\?[^#]*)?/.exec(s);
  if (!m) throw bad();
  const authority = (m[3] ?? '').replace(/^.*@/, '');
  const hm = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(authority);
  if (!hm) throw bad();
  return {
    scheme: m[1],
    host: authority,
    hostname: hm[1].replace(/^\[(.*)\]$/, '$1'),
    port: hm[2] ?? '',
    path: m[4],
    query: (m[5] ?? '').slice(1),
  };
}

const of = (v: CelValue) => opaqueOf<U>('url', v);
const { STRING, BOOL } = CelScalar;
const DYN = CelScalar.DYN;

function decode(s: string): string {
  try {
    return decodeURIComponent(s.replaceAll('+', ' '));
  } catch {
    return s;
  }
}

export const urlFuncs: CelFunc[] = [
  celFunc('url', [STRING], DYN, (s: string) => makeOpaque('url', s, parseUrl(s)) as never),
  celFunc('isURL', [STRING], BOOL, (s: string) => {
    try {
      parseUrl(s);
      return true;
    } catch {
      return false;
    }
  }),
  celMethod('getScheme', DYN, [], STRING, function (this: CelValue) {
    return of(this).scheme;
  }),
  celMethod('getHost', DYN, [], STRING, function (this: CelValue) {
    return of(this).host;
  }),
  celMethod('getHostname', DYN, [], STRING, function (this: CelValue) {
    return of(this).hostname;
  }),
  celMethod('getPort', DYN, [], STRING, function (this: CelValue) {
    return of(this).port;
  }),
  celMethod('getEscapedPath', DYN, [], STRING, function (this: CelValue) {
    return of(this).path;
  }),
  celMethod('getQuery', DYN, [], mapType(STRING, listType(STRING)), function (this: CelValue) {
    const out = new Map<string, string[]>();
    for (const part of of(this).query.split('&')) {
      if (!part) continue;
      const i = part.indexOf('=');
      const k = decode(i < 0 ? part : part.slice(0, i));
      const v = i < 0 ? '' : decode(part.slice(i + 1));
      out.set(k, [...(out.get(k) ?? []), v]);
    }
    return out as never;
  }),
];
