import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AdmissionChain, type AdmissionPlugin, type AdmissionRequest } from './chain.js';
import type { RequestContext } from '../context.js';

const request = (obj: Record<string, unknown>): AdmissionRequest => ({ rc: { warnings: [] } as unknown as RequestContext, operation: 'CREATE', obj, subresource: '', dryRun: false });

test('plugins run in Kubernetes order whatever the registration order, mutating before validating', async () => {
  const seen: string[] = [];
  const plugin = (name: string): AdmissionPlugin => ({ name, handles: () => true, mutate: () => void seen.push(`m:${name}`), validate: () => void seen.push(`v:${name}`) });
  const chain = new AdmissionChain();
  chain.register(plugin('ResourceQuota'));
  chain.register(plugin('PodSecurity'));
  chain.register(plugin('ServiceAccount'));
  assert.deepEqual(chain.names(), ['ServiceAccount', 'PodSecurity', 'ResourceQuota']);
  await chain.admit(request({}));
  assert.deepEqual(seen, ['m:ServiceAccount', 'm:PodSecurity', 'm:ResourceQuota', 'v:ServiceAccount', 'v:PodSecurity', 'v:ResourceQuota']);
});

test('the object is validated again only when a mutating plugin changed it', async () => {
  const chain = new AdmissionChain();
  let revalidated = 0;
  chain.register({ name: 'ServiceAccount', handles: (a) => a.operation === 'CREATE', mutate: (a) => void (a.obj!.touched = true) });
  await chain.admit(request({}), () => void revalidated++);
  assert.equal(revalidated, 1);
  chain.register({ name: 'ServiceAccount', handles: () => true, mutate: () => {} });
  await chain.admit(request({}), () => void revalidated++);
  assert.equal(revalidated, 1);
});

test('a plugin that does not handle the request is skipped; a refusal stops the chain', async () => {
  const chain = new AdmissionChain();
  chain.register({ name: 'PodSecurity', handles: () => false, validate: () => assert.fail('not handled') });
  chain.register({
    name: 'NodeRestriction',
    handles: () => true,
    validate: () => {
      throw new Error('refused');
    },
  });
  await assert.rejects(chain.admit(request({})), /refused/);
});

test('a turn of the event loop may come before each plugin and around each whole-object pass (the snapshot and the comparison)', async () => {
  const chain = new AdmissionChain();
  const seen: string[] = [];
  chain.register({ name: 'ServiceAccount', handles: () => true, mutate: () => void seen.push('m:ServiceAccount'), validate: () => void seen.push('v:ServiceAccount') });
  chain.register({ name: 'PodSecurity', handles: () => true, validate: () => void seen.push('v:PodSecurity') });
  await chain.admit(request({}), undefined, () => {
    seen.push('turn');
    return undefined;
  });
  assert.deepEqual(seen, ['turn', 'turn', 'm:ServiceAccount', 'turn', 'turn', 'turn', 'v:ServiceAccount', 'turn', 'v:PodSecurity']);
});
