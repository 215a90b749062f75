// The request target of an HTTP request line, parsed without trusting it. Node's parser hands over
// whatever the client sent: origin-form ("/api/v1/pods?x"), absolute-form ("http://host:99999/"),
// "*", invalid percent-escapes. `new URL()` and `decodeURIComponent()` throw on some of these, and a
// throw outside a handler's try/catch used to take the whole process down; here every such input is
// a BadTarget the servers answer with 400, as Go's net/http (and so Kubernetes) does.

export class BadTarget extends Error {}

/** Longest request target accepted: Node already caps the whole header block at 16 KiB. */
const MAX_TARGET = 16 * 1024;

/**
 * The URL of a request (on a fixed origin: the Host header is never trusted) with every path segment
 * known to percent-decode. Absolute-form targets are served by their path, as Go's server does.
 */
export function parseRequestTarget(raw: string | undefined): URL {
  const target = raw ?? '/';
  if (target.length > MAX_TARGET) throw new BadTarget('request URI too long');
  let pathAndQuery = target;
  if (!target.startsWith('/')) {
    // Only http(s) absolute-form is meaningful; "*" (OPTIONS *) and anything else address nothing here.
    if (!/^https?:\/\//i.test(target)) throw new BadTarget(`invalid request URI "${preview(target)}"`);
    let abs: URL;
    try {
      abs = new URL(target);
    } catch {
      throw new BadTarget(`invalid request URI "${preview(target)}"`);
    }
    pathAndQuery = abs.pathname + abs.search;
  }
  let url: URL;
  try {
    // "//x" would be read as a host: keep it a path.
    url = new URL(pathAndQuery.startsWith('//') ? pathAndQuery.replace(/^\/+/, '/') : pathAndQuery, 'https://server.invalid');
  } catch {
    throw new BadTarget(`invalid request URI "${preview(target)}"`);
  }
  for (const seg of url.pathname.split('/')) {
    if (!seg.includes('%')) continue;
    try {
      decodeURIComponent(seg);
    } catch {
      throw new BadTarget(`invalid URL escape in "${preview(seg)}"`);
    }
  }
  return url;
}

/** Path segments, percent-decoded (call on a URL from parseRequestTarget, whose segments all decode). */
export function pathSegments(pathname: string): string[] {
  return pathname
    .split('/')
    .filter((p) => p !== '')
    .map(safeDecode);
}

/** decodeURIComponent that keeps an undecodable segment as it is instead of throwing. */
export function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** A bounded, printable excerpt of client input for messages and logs. */
export function preview(s: string, max = 100): string {
  const clean = s.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > max ? clean.slice(0, max) + '...' : clean;
}
