import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpuQuantity, goDuration, memoryQuantity, metaTime, quantityUnits } from './format.js';

describe('metrics-server formats', () => {
  it('CPU in nanocores, canonical DecimalSI', () => {
    assert.equal(cpuQuantity(250_000_000), '250m');
    assert.equal(cpuQuantity(123_456_789), '123456789n');
    assert.equal(cpuQuantity(1_000_000_000), '1');
    assert.equal(cpuQuantity(120_000), '120u');
    assert.equal(cpuQuantity(0), '0');
    assert.equal(cpuQuantity(-5), '0');
  });
  it('memory in bytes, canonical BinarySI', () => {
    assert.equal(memoryQuantity(1048576), '1Mi');
    assert.equal(memoryQuantity(1024000), '1000Ki');
    assert.equal(memoryQuantity(1234567), '1234567');
    assert.equal(memoryQuantity(1000), '1000');
    assert.equal(memoryQuantity(0), '0');
  });
  it("windows as Go's Duration.String()", () => {
    assert.equal(goDuration(15_003_000_000), '15.003s');
    assert.equal(goDuration(20e9), '20s');
    assert.equal(goDuration(60.5e9), '1m0.5s');
    assert.equal(goDuration(3600e9), '1h0m0s');
    assert.equal(goDuration(500e6), '500ms');
    assert.equal(goDuration(1.5e6), '1.5ms');
    assert.equal(goDuration(0), '0s');
  });
  it('timestamps as metav1.Time', () => assert.equal(metaTime(Date.UTC(2024, 0, 2, 3, 4, 5, 999)), '2024-01-02T03:04:05Z'));
  it('sums quantities for the table', () => {
    assert.equal(quantityUnits('250m', 'nano'), 250_000_000);
    assert.equal(quantityUnits('1Mi', 'one'), 1048576);
    assert.equal(quantityUnits('junk', 'one'), 0);
  });
});
