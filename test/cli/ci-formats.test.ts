// CI outputs: SARIF validated against the SARIF 2.1.0 JSON schema (the OASIS schema as shipped in
// @microsoft/jest-sarif), JUnit validated by libxml2 (xmllint-wasm) against an XML Schema of the
// Ant/Jenkins format CI servers read (test/cli/fixtures/junit.xsd) and parsed by a real XML parser,
// on real check results (a violation, a pass, an incomplete run).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import Ajv04Module from 'ajv-draft-04';
import addFormatsModule from 'ajv-formats';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { validateXML } from 'xmllint-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCheck } from '../../cli/check.js';
import { type CiResult, locationOf, toJunit, toSarif, toSummary } from '../../cli/ci-formats.js';
import { buildTarget } from '../../systems/registry.js';
import type { Config } from '../../spec/config.js';

const require = createRequire(import.meta.url);
const schema = JSON.parse(readFileSync(require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8')) as object;
type Validator = { (data: unknown): boolean; errors?: unknown };
type AjvLike = { compile(schema: object): Validator };
// The SARIF schema is JSON Schema draft-04.
const Ajv04 = Ajv04Module as unknown as new (o: object) => AjvLike;
const addFormats = addFormatsModule as unknown as (a: AjvLike) => AjvLike;
const sarifValidator = (): Validator => addFormats(new Ajv04({ allErrors: true, strict: false, unicodeRegExp: false })).compile(schema);

async function result(c: Partial<Config>): Promise<CiResult> {
  const config: Config = { system: 'vdpa', kernel: '6.6', parent: 'mlx5', userspace: 'any', invariants: undefined, bounds: {}, ...c };
  const run = runCheck(await buildTarget(config));
  return run.json as CiResult;
}

let violated: CiResult;
let passed: CiResult;
let incomplete: CiResult;
beforeAll(async () => {
  violated = await result({ invariants: ['dma-isolation', 'feature-negotiation'], bounds: { maxDepth: 6 } });
  passed = await result({ kernel: '6.7', userspace: 'qemu-persist', invariants: ['dma-isolation', 'kernel-device-agreement'] });
  incomplete = await result({ kernel: '6.12', userspace: 'any', invariants: ['asid-routing'], bounds: { maxStates: 50 } });
  expect(violated.verdict).toBe('violation');
  expect(passed.verdict).toBe('pass');
  expect(incomplete.verdict).toBe('incomplete');
}, 180_000);

describe('SARIF', () => {
  it('is valid SARIF 2.1.0: a rule per invariant, a result per violation located at a kernel function, the trace as a code flow', () => {
    const log = toSarif([violated, passed, incomplete], { name: 'vdpa-mc', version: '0.1.0' }, { 'dma-isolation': 'DMA isolation' });
    const validate = sarifValidator();
    expect(validate(JSON.parse(JSON.stringify(log))), JSON.stringify(validate.errors)).toBe(true);
    const run = log.runs[0] as { results: { ruleId: string; locations: { logicalLocations: { name: string }[] }[]; codeFlows: { threadFlows: { locations: unknown[] }[] }[] }[] };
    expect(run.results.map((r) => r.ruleId)).toEqual(violated.violations.map((v) => v.invariant));
    for (const [i, r] of run.results.entries()) {
      const v = violated.violations[i]!;
      expect(r.locations[0]!.logicalLocations[0]!.name).toBe(locationOf(v).fn);
      expect(r.codeFlows[0]!.threadFlows[0]!.locations).toHaveLength(v.length);
    }
  });

  it('a broken log is refused by the same validator (the schema check can fail)', () => {
    const validate = sarifValidator();
    const log = JSON.parse(JSON.stringify(toSarif([violated], { name: 'vdpa-mc', version: '0.1.0' }, {}))) as { runs: { results: { message?: unknown }[] }[] };
    delete log.runs[0]!.results[0]!.message;
    expect(validate(log)).toBe(false);
  });

  it('locates a violation at the cause when the cause names a function', () => {
    const v = { ...violated.violations[0]!, cause: { step: 2, function: 'mlx5_vdpa_reset' } };
    expect(locationOf(v)).toEqual({ fn: 'mlx5_vdpa_reset', step: 2 });
  });
});

const junitXsd = readFileSync(new URL('./fixtures/junit.xsd', import.meta.url), 'utf8');
async function junitSchemaErrors(xml: string): Promise<string[]> {
  const r = await validateXML({ xml: [{ fileName: 'junit.xml', contents: xml }], schema: [{ fileName: 'junit.xsd', contents: junitXsd }] });
  return r.valid ? [] : r.errors.map((e) => e.message);
}

describe('JUnit', () => {
  it('is valid against the JUnit XML Schema (violation, pass, incomplete)', async () => {
    expect(await junitSchemaErrors(toJunit([violated, passed, incomplete]))).toEqual([]);
  }, 180_000);

  it('the schema check can fail: a testsuite without its test count, a testcase with two outcomes', async () => {
    const xml = toJunit([violated]);
    expect((await junitSchemaErrors(xml.replace(/(<testsuite name="[^"]*") tests="\d+"/, '$1'))).join(' ')).toMatch(/attribute 'tests' is required/);
    expect(await junitSchemaErrors(xml.replace('</failure>', '</failure><error type="x"/>'))).not.toEqual([]);
  }, 180_000);

  const parse = (xml: string): { testsuites: { testsuite: { name: string; tests: string; failures: string; errors: string; testcase: { name: string; failure?: { message: string }; error?: { type: string } }[] }[] } } => {
    expect(XMLValidator.validate(xml)).toBe(true);
    return new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (n) => n === 'testsuite' || n === 'testcase' || n === 'property' }).parse(xml);
  };

  it('one testsuite per configuration, one testcase per invariant; failures for violations, errors for an incomplete run', () => {
    const doc = parse(toJunit([violated, passed, incomplete]));
    const [v, p, inc] = doc.testsuites.testsuite;
    expect(v!.testcase.map((t) => t.name)).toEqual(['dma-isolation', 'feature-negotiation']);
    expect(Number(v!.failures)).toBe(new Set(violated.violations.map((x) => x.invariant)).size); // one testcase per invariant, however many causes
    expect(v!.testcase.find((t) => t.name === 'dma-isolation')!.failure!.message).toMatch(/steps\)/);
    expect(p!.testcase.every((t) => t.failure === undefined && t.error === undefined)).toBe(true);
    expect(Number(p!.tests)).toBe(2);
    expect(inc!.testcase[0]!.error!.type).toBe('incomplete');
    expect(Number(inc!.errors)).toBe(1);
  });

  it('escapes what XML cannot hold (quotes, angle brackets, control characters)', () => {
    const nasty: CiResult = { ...violated, violations: [{ ...violated.violations[0]!, message: 'a "<b>" & \u0001 \'x\'' }] };
    const doc = parse(toJunit([nasty]));
    expect(doc.testsuites.testsuite[0]!.testcase[0]!.failure!.message).toContain('a "<b>" &  \'x\'');
  });
});

describe('Markdown summary', () => {
  it('a row per configuration and each counterexample folded', () => {
    const md = toSummary([violated, passed], { 'dma-isolation': 'DMA isolation' });
    expect(md).toContain('| vdpa 6.6 mlx5 any | violation |');
    expect(md).toContain('| vdpa 6.7 mlx5 qemu-persist | pass |');
    expect(md).toContain('<b>dma-isolation</b> — DMA isolation');
    expect(md.match(/<details>/g)).toHaveLength(violated.violations.length);
  });
});
