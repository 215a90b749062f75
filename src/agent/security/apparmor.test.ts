import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod } from '../pods/types.js';
import { appArmorRefusal, appArmorRequired, hostAppArmorEnabled } from './apparmor.js';

const mk = (spec: Record<string, unknown> = {}, annotations?: Record<string, string>): Pod => ({ metadata: { name: 'p', namespace: 'default', uid: 'u', annotations }, spec: { containers: [{ name: 'c', image: 'i' }], ...spec } }) as unknown as Pod;

describe("the kubelet's AppArmor admission", () => {
  it('needs AppArmor for any profile but Unconfined', () => {
    assert.equal(appArmorRequired(mk()), false);
    assert.equal(appArmorRequired(mk({ securityContext: { appArmorProfile: { type: 'Unconfined' } } })), false);
    assert.equal(appArmorRequired(mk({ securityContext: { appArmorProfile: { type: 'RuntimeDefault' } } })), true);
    assert.equal(appArmorRequired(mk({ containers: [{ name: 'c', image: 'i', securityContext: { appArmorProfile: { type: 'Localhost', localhostProfile: 'x' } } }] })), true);
    assert.equal(appArmorRequired(mk({}, { 'container.apparmor.security.beta.kubernetes.io/c': 'runtime/default' })), true);
    assert.equal(appArmorRequired(mk({}, { 'container.apparmor.security.beta.kubernetes.io/c': 'unconfined' })), false);
  });

  it('refuses such a pod on a host without AppArmor, with the kubelet message', () => {
    const pod = mk({ securityContext: { appArmorProfile: { type: 'RuntimeDefault' } } });
    assert.equal(appArmorRefusal(pod, false), 'Cannot enforce AppArmor: AppArmor is not enabled on the host');
    assert.equal(appArmorRefusal(pod, true), undefined);
    assert.equal(appArmorRefusal(mk(), false), undefined);
  });

  it("reads the kernel's switch", () => {
    assert.equal(
      hostAppArmorEnabled(() => 'Y\n'),
      true,
    );
    assert.equal(
      hostAppArmorEnabled(() => 'N\n'),
      false,
    );
    assert.equal(
      hostAppArmorEnabled(() => {
        throw new Error('ENOENT');
      }),
      false,
    );
  });
});
