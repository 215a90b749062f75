// The review APIs and impersonation on a real `gifee server` (its own process, default authorization,
// its node token), as a user meets them: whoami for the admin and for a new user, can-i before and
// after a binding, impersonation by the admin and refused to others, TokenReview of the join token.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { buildKubeconfig } from '../../src/cli/kubeconfig.js';
import { issueCert } from '../../src/cli/pki.js';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { until } from '../helpers/wait.js';

describe('access reviews on a real gifee server', () => {
  let cluster: Cluster;
  let jane: string[];
  before(async () => {
    cluster = await startCluster({ backend: 'sqlite' });
    const pki = join(cluster.dataDir, 'pki');
    const ca = { cert: await readFile(join(pki, 'ca.crt'), 'utf8'), key: await readFile(join(pki, 'ca.key'), 'utf8') };
    const cert = await issueCert(ca, { commonName: 'jane', usage: 'client' });
    const path = join(cluster.dataDir, 'jane.kubeconfig');
    await writeFile(path, stringify(buildKubeconfig({ name: 'gifee', server: cluster.url, ca: ca.cert, cert: cert.cert, key: cert.key })), { mode: 0o600 });
    // A later --kubeconfig wins over the helper's admin one.
    jane = ['--kubeconfig', path];
  });
  after(() => cluster?.stop());

  test('whoami: the admin, a new user, and the admin impersonating her', async () => {
    assert.match((await cluster.kubectl(['auth', 'whoami'])).stdout, /^Username\s+system:admin$/m);
    const own = JSON.parse((await cluster.kubectl(['auth', 'whoami', '-o', 'json', ...jane])).stdout);
    assert.deepEqual(own.status.userInfo, { username: 'jane', groups: ['system:authenticated'] });
    const as = JSON.parse((await cluster.kubectl(['auth', 'whoami', '-o', 'json', '--as', 'jane', '--as-group', 'dev'])).stdout);
    assert.deepEqual(as.status.userInfo, { username: 'jane', groups: ['dev', 'system:authenticated'] });
  });

  test('can-i: no until bound, yes after; impersonation is refused to a user without the verb', async () => {
    const can = (args: string[]) => cluster.kubectl(['auth', 'can-i', ...args], { allowFail: true });
    const before = await can(['list', 'pods', '-n', 'default', ...jane]);
    assert.deepEqual([before.code, before.stdout.trim()], [1, 'no']);
    await cluster.kubectl(['create', 'rolebinding', 'jane-view', '-n', 'default', '--clusterrole=view', '--user=jane']);
    await until('jane may list pods', async () => (await can(['list', 'pods', '-n', 'default', ...jane])).code === 0);
    assert.equal((await can(['delete', 'pods', '-n', 'default', ...jane])).code, 1);
    assert.equal((await can(['list', 'pods', '-n', 'default', '--as', 'jane'])).code, 0);
    const refused = await cluster.kubectl(['get', 'pods', '-n', 'default', '--as', 'system:admin', ...jane], { allowFail: true });
    assert.match(refused.stderr, /users "system:admin" is forbidden: User "jane" cannot impersonate resource "users" in API group "" at the cluster scope/);
  });

  test('TokenReview of the join token and of a forged one', async () => {
    // The join token is K10<CA hash>::<bootstrap token>; the bootstrap token is what authenticates.
    const token = (await readFile(join(cluster.dataDir, 'node-token'), 'utf8')).trim().split('::').pop()!;
    const review = (t: string) => JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: t } });
    const good = JSON.parse((await cluster.kubectl(['create', '-f', '-', '-o', 'json'], { input: review(token) })).stdout);
    assert.equal(good.status.authenticated, true);
    assert.ok(good.status.user.username, 'the token names a user');
    const forged = JSON.parse((await cluster.kubectl(['create', '-f', '-', '-o', 'json'], { input: review(`${token}x`) })).stdout);
    assert.notEqual(forged.status.authenticated, true);
    assert.equal(forged.status.error, 'invalid bearer token');
  });
});
