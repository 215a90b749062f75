import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { KObject } from '../../kind.js';
import { mutatingWebhookConfiguration, validatingWebhookConfiguration } from './index.js';

const hook = (o: Record<string, unknown> = {}) => ({
  name: 'pod-policy.example.com',
  clientConfig: { url: 'https://127.0.0.1:8443/validate', caBundle: 'Cg==' },
  rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
  sideEffects: 'None',
  admissionReviewVersions: ['v1'],
  ...o,
});
const cfg = (...webhooks: unknown[]): KObject => ({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: { name: 'x' }, webhooks }) as KObject;
const errors = (o: KObject, mutating = false) => ((mutating ? mutatingWebhookConfiguration : validatingWebhookConfiguration).validate?.(o) ?? []).map((e) => `${e.field}: ${e.message}`);

test('a good configuration has no errors and gets v1 defaults', () => {
  const o = cfg(hook({ clientConfig: { service: { namespace: 'ns', name: 'svc' } } }));
  mutatingWebhookConfiguration.default?.(o);
  assert.deepEqual(errors(o, true), []);
  const w = (o as any).webhooks[0];
  assert.equal(w.failurePolicy, 'Fail');
  assert.equal(w.matchPolicy, 'Equivalent');
  assert.equal(w.timeoutSeconds, 10);
  assert.equal(w.reinvocationPolicy, 'Never');
  assert.deepEqual(w.namespaceSelector, {});
  assert.equal(w.rules[0].scope, '*');
  assert.equal(w.clientConfig.service.port, 443);
});

test('names, client config, side effects, timeouts, review versions', () => {
  const has = (o: KObject, re: RegExp) =>
    assert.ok(
      errors(o).some((e) => re.test(e)),
      `${re} in ${JSON.stringify(errors(o))}`,
    );
  has(cfg(hook({ name: 'short.name' })), /^webhooks\[0\]\.name: Invalid value: "short.name": should be a domain with at least three segments separated by dots/);
  has(cfg(hook(), hook()), /^webhooks\[1\]\.name: Duplicate value: "pod-policy.example.com"/);
  has(cfg(hook({ clientConfig: {} })), /^webhooks\[0\]\.clientConfig: Required value: exactly one of url or service is required/);
  has(cfg(hook({ clientConfig: { url: 'https://a.example.com/', service: { namespace: 'n', name: 's' } } })), /exactly one of url or service is required/);
  has(cfg(hook({ clientConfig: { url: 'http://a.example.com/' } })), /clientConfig\.url: .*'https' is the only allowed URL scheme/);
  has(cfg(hook({ clientConfig: { url: 'https://u:p@a.example.com/' } })), /user information is not permitted in the URL/);
  has(cfg(hook({ clientConfig: { url: 'https://a.example.com/?x=1' } })), /query parameters are not permitted in the URL/);
  has(cfg(hook({ clientConfig: { url: 'https://a.example.com/#f' } })), /fragments are not permitted in the URL/);
  has(cfg(hook({ clientConfig: { service: { namespace: 'n' } } })), /clientConfig\.service\.name: Required value: service name is required/);
  has(cfg(hook({ clientConfig: { service: { namespace: 'n', name: 's', port: 70000 } } })), /service\.port: .*port is not valid/);
  has(cfg(hook({ clientConfig: { service: { namespace: 'n', name: 's', path: 'x' } } })), /service\.path: .*must start with a '\/'/);
  has(cfg(hook({ sideEffects: undefined })), /^webhooks\[0\]\.sideEffects: Required value: must specify one of None, NoneOnDryRun/);
  has(cfg(hook({ timeoutSeconds: 31 })), /timeoutSeconds: Invalid value: 31: the timeout value must be between 1 and 30 seconds/);
  has(cfg(hook({ timeoutSeconds: 0 })), /the timeout value must be between 1 and 30 seconds/);
  has(cfg(hook({ admissionReviewVersions: [] })), /admissionReviewVersions: Required value: must specify one of v1, v1beta1/);
  has(cfg(hook({ admissionReviewVersions: ['v2'] })), /admissionReviewVersions: Invalid value: \["v2"\]: must include at least one of v1, v1beta1/);
  has(cfg(hook({ admissionReviewVersions: ['v1', 'v1'] })), /admissionReviewVersions\[1\]: .*duplicate version/);
  has(cfg(hook({ reinvocationPolicy: 'IfNeeded' })), /reinvocationPolicy: Forbidden/);
  assert.deepEqual(errors(cfg(hook({ reinvocationPolicy: 'IfNeeded' })), true), []);
});

test('rules', () => {
  const rule = (o: Record<string, unknown>) => cfg(hook({ rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], ...o }] }));
  const has = (o: KObject, re: RegExp) =>
    assert.ok(
      errors(o).some((e) => re.test(e)),
      `${re} in ${JSON.stringify(errors(o))}`,
    );
  has(rule({ operations: [] }), /rules\[0\]\.operations: Required value/);
  has(rule({ operations: ['*', 'CREATE'] }), /if '\*' is present, must not specify other operations/);
  has(rule({ operations: ['PATCH'] }), /operations\[0\]: Unsupported value: "PATCH"/);
  has(rule({ apiGroups: ['*', 'apps'] }), /must not specify other API groups/);
  has(rule({ apiVersions: [''] }), /apiVersions\[0\]: Required value: version must be non-empty/);
  has(rule({ resources: [] }), /resources: Required value/);
  has(rule({ resources: ['*/*', 'pods'] }), /if '\*\/\*' is present, must not specify other resources/);
  has(rule({ resources: ['*', 'pods'] }), /if '\*' is present, must not specify other resources without subresources/);
  has(rule({ resources: ['*/status', 'pods/status'] }), /resources\[1\]: .*if '\*\/status' is present, must not specify pods\/status/);
  has(rule({ scope: 'Everywhere' }), /scope: Unsupported value/);
  assert.deepEqual(errors(rule({ resources: ['*', '*/status'] })), []);
});

test('selectors and match conditions', () => {
  const has = (o: KObject, re: RegExp) =>
    assert.ok(
      errors(o).some((e) => re.test(e)),
      `${re} in ${JSON.stringify(errors(o))}`,
    );
  has(cfg(hook({ namespaceSelector: { matchExpressions: [{ key: 'a', operator: 'In', values: [] }] } })), /namespaceSelector\.matchExpressions\[0\]\.values: Required value/);
  has(cfg(hook({ objectSelector: { matchLabels: { 'bad key!': 'x' } } })), /objectSelector\.matchLabels/);
  const conds = (n: number, expression = 'true') => cfg(hook({ matchConditions: Array.from({ length: n }, (_, i) => ({ name: `c${i}`, expression })) }));
  assert.deepEqual(errors(conds(64)), []);
  has(conds(65), /^webhooks\[0\]\.matchConditions: Too many: 65: must have at most 64 items/);
  has(conds(1, '1 +'), /matchConditions\[0\]\.expression: Invalid value: "1 \+": compilation failed/);
  has(conds(1, ''), /matchConditions\[0\]\.expression: Required value/);
  has(
    cfg(
      hook({
        matchConditions: [
          { name: 'a', expression: 'true' },
          { name: 'a', expression: 'true' },
        ],
      }),
    ),
    /matchConditions\[1\]\.name: Duplicate value: "a"/,
  );
  has(cfg(hook({ matchConditions: [{ name: 'bad name!', expression: 'true' }] })), /matchConditions\[0\]\.name: Invalid value/);
});

test('hostile configurations: defaulting and validation never throw', () => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.jsonValue(), fc.record({ name: fc.jsonValue(), clientConfig: fc.jsonValue(), rules: fc.jsonValue(), matchConditions: fc.jsonValue(), namespaceSelector: fc.jsonValue(), admissionReviewVersions: fc.jsonValue(), timeoutSeconds: fc.jsonValue() }, { requiredKeys: [] })), { maxLength: 4 }),
      fc.boolean(),
      (webhooks, mutating) => {
        const o = cfg(...webhooks);
        const kind = mutating ? mutatingWebhookConfiguration : validatingWebhookConfiguration;
        kind.default?.(o);
        assert.ok(Array.isArray(kind.validate?.(o)));
      },
    ),
    { numRuns: 300 },
  );
});
