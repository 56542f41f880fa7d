// CI outputs of `check` and `matrix`: JUnit XML (one testcase per configuration × invariant), SARIF
// 2.1.0 (a violation as a result located at the kernel function of the step that broke it, the
// trace as a code flow) and a Markdown step summary (GitHub Actions' $GITHUB_STEP_SUMMARY).
// Pure: from design.md's JSON result objects to text; the CLI writes the files.

/** The parts of a check's JSON result these formats read (design.md; cause and class are optional). */
export interface CiResult {
  readonly config: {
    readonly system: string; readonly kernel: string; readonly parent: string | null; readonly userspace: string;
    readonly maxDepth: number; readonly invariants: readonly string[];
  };
  readonly verdict: 'pass' | 'violation' | 'incomplete';
  readonly complete: boolean;
  readonly stoppedBy?: string;
  readonly stats: { readonly distinctStates: number; readonly seconds: number; readonly depth: number };
  readonly violations: readonly CiViolation[];
}

export interface CiViolation {
  readonly invariant: string;
  readonly message: string;
  readonly length: number;
  readonly steps: readonly { readonly action: string; readonly label: string }[];
  /** The call that first broke the invariant, when the cause analysis names one. */
  readonly cause?: { readonly step?: number; readonly function?: string; readonly call?: string; readonly text?: string } | string;
  readonly class?: string;
  /** The counterexample rendered as text (for failure bodies and the summary). */
  readonly text?: string;
}

/** Invariant id → title, for SARIF rules and the summary. */
export type Titles = Readonly<Record<string, string>>;

export function configName(c: CiResult['config']): string {
  return `${c.system} ${c.kernel}${c.parent === null ? '' : ` ${c.parent}`} ${c.userspace}`;
}

// ---- JUnit ----

const xmlEsc = (s: string): string =>
  // XML 1.0 forbids most control characters even as references: drop them.
  s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

function junitSuite(r: CiResult): { xml: string; tests: number; failures: number; errors: number } {
  const name = configName(r.config);
  let failures = 0;
  let errors = 0;
  const cases = r.config.invariants.map((id) => {
    const v = r.violations.find((x) => x.invariant === id);
    const head = `    <testcase classname="${xmlEsc(name)}" name="${xmlEsc(id)}" time="0">`;
    if (v !== undefined) {
      failures++;
      const msg = `${v.message} (${v.length} steps)${v.class === undefined ? '' : ` [${v.class}]`}`;
      const body = v.text ?? v.steps.map((s, i) => `${i + 1}. ${s.label}`).join('\n');
      return `${head}\n      <failure type="${xmlEsc(id)}" message="${xmlEsc(msg)}">${xmlEsc(body)}</failure>\n    </testcase>`;
    }
    if (r.verdict === 'incomplete') {
      // Not a pass: the search stopped before it was complete (exit 3).
      errors++;
      return `${head}\n      <error type="incomplete" message="${xmlEsc(`incomplete: stopped by ${r.stoppedBy ?? 'a bound'} at depth ${r.stats.depth}`)}"/>\n    </testcase>`;
    }
    return `${head}</testcase>`;
  });
  const tests = cases.length;
  const xml = `  <testsuite name="${xmlEsc(name)}" tests="${tests}" failures="${failures}" errors="${errors}" skipped="0" time="${r.stats.seconds.toFixed(3)}">\n` +
    `    <properties>\n` +
    Object.entries({ ...r.config, invariants: r.config.invariants.join(','), distinctStates: r.stats.distinctStates, verdict: r.verdict })
      .map(([k, v]) => `      <property name="${xmlEsc(k)}" value="${xmlEsc(String(v ?? ''))}"/>\n`).join('') +
    `    </properties>\n${cases.join('\n')}\n  </testsuite>`;
  return { xml, tests, failures, errors };
}

/** JUnit XML (the Ant/Jenkins schema): a testsuite per configuration, a testcase per invariant. */
export function toJunit(results: readonly CiResult[]): string {
  const suites = results.map(junitSuite);
  const sum = (k: 'tests' | 'failures' | 'errors'): number => suites.reduce((n, s) => n + s[k], 0);
  const time = results.reduce((t, r) => t + r.stats.seconds, 0);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="vdpa-mc" tests="${sum('tests')}" failures="${sum('failures')}" errors="${sum('errors')}" time="${time.toFixed(3)}">\n` +
    `${suites.map((s) => s.xml).join('\n')}\n</testsuites>\n`;
}

// ---- SARIF ----

/** Where a kernel function lives (the model's reducers are named after them). */
const SOURCE_FILES: readonly (readonly [RegExp, string])[] = [
  [/^(vhost_vdpa_|VHOST_)/, 'drivers/vhost/vdpa.c'],
  [/^vhost_(dev_|set_backend)/, 'drivers/vhost/vhost.c'],
  [/^vhost_iotlb_/, 'drivers/vhost/iotlb.c'],
  [/^mlx5_vdpa_(create_|destroy_|reset_mr|update_cvq|handle_set_map|.*_mr)/, 'drivers/vdpa/mlx5/core/mr.c'],
  [/^(mlx5_|setup_vq|teardown_vq|modify_virtqueue|set_map_data)/, 'drivers/vdpa/mlx5/net/mlx5_vnet.c'],
  [/^vdpasim_/, 'drivers/vdpa/vdpa_sim/vdpa_sim.c'],
  [/^vduse_/, 'drivers/vdpa/vdpa_user/vduse_dev.c'],
  [/^virtio_vdpa_/, 'drivers/virtio/virtio_vdpa.c'],
  [/^(vdpa_reset|vdpa_set_status|vdpa_)/, 'include/linux/vdpa.h'],
  [/^(vfio_|VFIO_)/, 'drivers/vfio/vfio_iommu_type1.c'],
];

export function sourceFileOf(fn: string): string | undefined {
  return SOURCE_FILES.find(([re]) => re.test(fn))?.[1];
}

/** The kernel function a violation is located at: the cause's, else the last step's call. */
export function locationOf(v: CiViolation): { fn: string; step: number } {
  const c = v.cause;
  const step = typeof c === 'object' && c.step !== undefined ? c.step : v.length;
  if (typeof c === 'object' && c.function !== undefined) return { fn: c.function, step };
  const label = v.steps[Math.max(0, Math.min(step, v.steps.length) - 1)]?.label ?? '';
  return { fn: /^[A-Za-z_][A-Za-z0-9_]*/.exec(label)?.[0] ?? 'unknown', step };
}

function causeText(v: CiViolation): string | undefined {
  const c = v.cause;
  if (c === undefined) return undefined;
  if (typeof c === 'string') return c;
  return c.text ?? c.call ?? c.function;
}

export interface SarifLog {
  readonly $schema: string;
  readonly version: '2.1.0';
  readonly runs: readonly unknown[];
}

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

/** SARIF 2.1.0: one run, the invariants as rules, a result per violation with its trace as a code flow. */
export function toSarif(results: readonly CiResult[], tool: { name: string; version: string }, titles: Titles): SarifLog {
  const ruleIds = [...new Set(results.flatMap((r) => r.config.invariants))];
  const rules = ruleIds.map((id) => ({
    id,
    name: id.replace(/(^|-)([a-z])/g, (_m, _d: string, ch: string) => ch.toUpperCase()),
    shortDescription: { text: titles[id] ?? id },
    defaultConfiguration: { level: 'error' },
  }));
  const sarifResults = results.flatMap((r) => r.violations.map((v) => {
    const { fn, step } = locationOf(v);
    const file = sourceFileOf(fn);
    const why = causeText(v);
    const logical = [{ name: fn, kind: 'function', ...(file === undefined ? {} : { fullyQualifiedName: `${file}:${fn}` }) }];
    const location = {
      ...(file === undefined ? {} : { physicalLocation: { artifactLocation: { uri: file, uriBaseId: 'LINUX_SRC' } } }),
      logicalLocations: logical,
      message: { text: `step ${step}: ${v.steps[step - 1]?.label ?? fn}` },
    };
    return {
      ruleId: v.invariant,
      ruleIndex: ruleIds.indexOf(v.invariant),
      level: 'error',
      message: { text: `${configName(r.config)}: ${v.message}${why === undefined ? '' : ` (cause: ${why})`}` },
      locations: [location],
      codeFlows: [{
        threadFlows: [{
          locations: v.steps.map((s, i) => {
            const f = /^[A-Za-z_][A-Za-z0-9_]*/.exec(s.label)?.[0] ?? s.action;
            return { location: { logicalLocations: [{ name: f, kind: 'function' }], message: { text: `${i + 1}. ${s.label}` } }, executionOrder: i + 1 };
          }),
        }],
      }],
      properties: {
        configuration: r.config,
        length: v.length,
        ...(v.class === undefined ? {} : { class: v.class }),
      },
    };
  }));
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [{
      tool: { driver: { name: tool.name, version: tool.version, informationUri: 'https://www.kernel.org/doc/html/latest/driver-api/vdpa.html', rules } },
      originalUriBaseIds: { LINUX_SRC: { description: { text: 'The root of a Linux source tree of the configuration\'s kernel' } } },
      results: sarifResults,
      invocations: [{ executionSuccessful: results.every((r) => r.verdict !== 'incomplete') }],
    }],
  };
}

// ---- Markdown step summary ----

const mdCell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** A Markdown summary: a table of configurations and verdicts, then each counterexample folded. */
export function toSummary(results: readonly CiResult[], titles: Titles): string {
  const lines = ['## vdpa-mc', '', '| configuration | verdict | worlds | depth | seconds | violated |', '|---|---|---:|---:|---:|---|'];
  for (const r of results) {
    const violated = r.violations.map((v) => `${v.invariant} (${v.length}${v.class === undefined ? '' : `, ${v.class}`})`).join(', ');
    lines.push(`| ${mdCell(configName(r.config))} | ${r.verdict}${r.verdict === 'incomplete' && r.stoppedBy !== undefined ? ` (${r.stoppedBy})` : ''} | ${r.stats.distinctStates} | ${r.stats.depth} | ${r.stats.seconds.toFixed(1)} | ${mdCell(violated || '—')} |`);
  }
  for (const r of results) for (const v of r.violations) {
    const why = causeText(v);
    lines.push('', `<details><summary>${mdCell(configName(r.config))}: <b>${v.invariant}</b> — ${mdCell(titles[v.invariant] ?? '')} (${v.length} steps)</summary>`, '');
    lines.push(`${mdCell(v.message)}${why === undefined ? '' : `  \ncause: ${mdCell(why)}`}`, '');
    lines.push('```', (v.text ?? v.steps.map((s, i) => `${i + 1}. ${s.label}`).join('\n')).replace(/```/g, '` ` `'), '```', '', '</details>');
  }
  return `${lines.join('\n')}\n`;
}
