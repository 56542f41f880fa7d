import { describe, expect, test } from 'vitest';
import { lacksGroupCheck } from '../../lab/conformance.js';

// D3 (lab/DISCREPANCIES.md): the lab's 6.1 target follows the 6.1 the lab built, read from lab.json's source version
describe('the lab 6.1 target and the group bound check of cd025c1e876b', () => {
  test('6.1.192 has it (vdpa.c l.556): the model 6.1 as it is', () => {
    expect(lacksGroupCheck('6.1.192-3')).toBe(false);
  });
  test('6.1.176 lacks it (vdpa.c l.550-557)', () => {
    expect(lacksGroupCheck('6.1.176-1')).toBe(true);
  });
  test('no lab built, or not a 6.1 version: the model as it is', () => {
    expect(lacksGroupCheck(undefined)).toBe(false);
    expect(lacksGroupCheck('6.12.117-1~deb12u1')).toBe(false);
  });
});
