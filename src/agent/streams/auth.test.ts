import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import type { AccessReviews, Caller, NodeAccess } from './access-reviews.js';
import { StreamAuth, subresourceOf } from './auth.js';

const withCert = (cn: string, o: string[] = [], authorized = true, method = 'GET') => ({ method, headers: {}, socket: { authorized, getPeerCertificate: () => ({ subject: { CN: cn, O: o } }) } }) as unknown as IncomingMessage;
const withToken = (token: string | undefined, method = 'GET') => ({ method, headers: token ? { authorization: `Bearer ${token}` } : {}, socket: { authorized: false, getPeerCertificate: () => ({}) } }) as unknown as IncomingMessage;

function reviews(allowed: (u: Caller, a: NodeAccess) => boolean) {
  const asked = { tokens: 0, sars: [] as string[] };
  const r: AccessReviews = {
    async tokenReview(token) {
      asked.tokens++;
      return token === 'good' ? { name: 'system:serviceaccount:ns:sa', uid: 'u1', groups: ['system:serviceaccounts'] } : null;
    },
    async subjectAccessReview(u, a) {
      asked.sars.push(`${u.name} ${a.verb} nodes/${a.subresource} ${a.node}`);
      return allowed(u, a);
    },
  };
  return { r, asked };
}

test('paths map to node subresources as the kubelet maps them', () => {
  assert.equal(subresourceOf('/exec/ns/p/c'), 'proxy');
  assert.equal(subresourceOf('/containerLogs/ns/p/c'), 'proxy');
  assert.equal(subresourceOf('/logs/'), 'log');
  assert.equal(subresourceOf('/stats/summary'), 'stats');
  assert.equal(subresourceOf('/metrics'), 'metrics');
  assert.equal(subresourceOf('/metricsx'), 'proxy');
});

test("the API server's certificate passes through a SubjectAccessReview; other certificates are 403, none 401", async () => {
  const { r, asked } = reviews((u) => u.name === 'kube-apiserver-kubelet-client');
  const auth = new StreamAuth({ nodeName: 'n1', certUsers: ['kube-apiserver-kubelet-client'], reviews: r });
  assert.deepEqual((await auth.check(withCert('kube-apiserver-kubelet-client', [], true, 'POST'), '/exec/ns/p/c')).ok, true);
  assert.deepEqual(asked.sars, ['kube-apiserver-kubelet-client create nodes/proxy n1']);
  // Cached: a second identical request asks nothing.
  await auth.check(withCert('kube-apiserver-kubelet-client', [], true, 'POST'), '/exec/ns/p/c');
  assert.equal(asked.sars.length, 1);
  assert.deepEqual(await auth.check(withCert('system:node:n2', ['system:nodes']), '/containerLogs/ns/p/c'), { ok: false, code: 403, message: 'Forbidden (user=system:node:n2, verb=get, resource=nodes, subresource=proxy)' });
  assert.equal(asked.sars.length, 1, 'a foreign certificate is refused without asking');
  assert.equal(((await auth.check(withCert('kube-apiserver-kubelet-client', [], false), '/metrics')) as { code: number }).code, 401);
  assert.equal(((await auth.check(withToken(undefined), '/metrics')) as { code: number }).code, 401);
});

test('bearer tokens go through TokenReview, then SubjectAccessReview; refusals are cached briefly', async () => {
  const { r, asked } = reviews((_u, a) => a.subresource === 'metrics');
  const auth = new StreamAuth({ nodeName: 'n1', certUsers: [], reviews: r });
  assert.equal((await auth.check(withToken('good'), '/metrics')).ok, true);
  assert.deepEqual(await auth.check(withToken('good'), '/exec/ns/p/c'), { ok: false, code: 403, message: 'Forbidden (user=system:serviceaccount:ns:sa, verb=get, resource=nodes, subresource=proxy)' });
  assert.equal(asked.tokens, 1);
  assert.equal(((await auth.check(withToken('bad'), '/metrics')) as { code: number }).code, 401);
  await auth.check(withToken('bad'), '/metrics');
  assert.equal(asked.tokens, 2);
});

test('an API that cannot be asked means no access, never an exception', async () => {
  const failing: AccessReviews = {
    tokenReview: () => Promise.reject(new Error('down')),
    subjectAccessReview: () => Promise.reject(new Error('down')),
  };
  const auth = new StreamAuth({ nodeName: 'n1', certUsers: ['api'], reviews: failing });
  assert.equal(((await auth.check(withToken('t'), '/metrics')) as { code: number }).code, 401);
  assert.equal(((await auth.check(withCert('api'), '/metrics')) as { code: number }).code, 403);
});
