// The HTML viewer in a real browser: Debian's chromium (installed by scripts/ensure-chromium.sh
// when missing), driven headless by playwright-core. Steps through a trace with the keyboard,
// the buttons and a click, checks what is shown, and saves screenshots to test/.screenshots/.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { renderHtml } from '../../traces/html.js';
import { fixtureTraces } from './fixtures/fixture-traces.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SHOTS = join(ROOT, 'test', '.screenshots');
const CHROMIUM = '/usr/bin/chromium';
const work = mkdtempSync(join(tmpdir(), 'vdpa-mc-viewer-'));
let ctx: BrowserContext;
let page: Page;
const problems: string[] = [];
const requests: string[] = [];

beforeAll(async () => {
  await promisify(execFile)('sh', [join(ROOT, 'scripts', 'ensure-chromium.sh')], { timeout: 600_000 });
  const { persist, overlap } = fixtureTraces();
  writeFileSync(join(work, 'persist.html'), renderHtml(persist));
  writeFileSync(join(work, 'overlap.html'), renderHtml(overlap));
  mkdirSync(SHOTS, { recursive: true });
  ctx = await chromium.launchPersistentContext(join(work, 'profile'), {
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1400, height: 900 },
  });
  // Anything but the page itself would be network at view time.
  await ctx.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file://')) return route.continue();
    requests.push(url);
    return route.abort();
  });
  page = await ctx.newPage();
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
}, 600_000);

afterAll(async () => {
  await ctx?.close();
  rmSync(work, { recursive: true, force: true });
});

const open = (name: string, hash = ''): Promise<unknown> => page.goto(pathToFileURL(join(work, name)).href + hash);
const counter = (): Promise<string> => page.locator('#step-counter').innerText();
const label = (): Promise<string> => page.locator('#step-label').innerText();
/** The changed rows of the world panel, as "layer field". */
const changed = (): Promise<string[]> =>
  page.$$eval('#world tr.changed', (rows) => rows.map((r) => `${r.closest('table')?.getAttribute('data-layer') ?? '?'} ${r.querySelector('td.name')?.textContent ?? '?'}`));
const selected = (): Promise<string[]> => page.$$eval('#diagram .step.selected', (gs) => gs.map((g) => g.getAttribute('data-step') ?? '?'));
const violationActive = (): Promise<boolean> => page.locator('#violation').evaluate((e) => e.classList.contains('active'));

describe('the trace viewer in chromium', () => {
  test('steps through with the keyboard and the buttons, marks what changed, highlights the violation', async () => {
    await open('persist.html');
    expect(await page.title()).toBe('vdpa-mc: kernel-device-agreement violated in 3 steps');
    expect(await counter()).toBe('Step 0 / 3');
    expect(await label()).toBe('initial world');
    expect(await page.locator('#world h2').innerText()).toBe('Initial world');
    expect(await changed()).toEqual([]);
    expect(await page.locator('#prev').isDisabled()).toBe(true);
    expect(await violationActive()).toBe(false);
    expect(await page.$$eval('svg .lanename', (ts) => ts.map((t) => t.textContent))).toEqual(['userspace', 'vhost-vdpa', 'parent', 'device']);

    await page.keyboard.press('ArrowRight');
    expect(await counter()).toBe('Step 1 / 3');
    expect(await label()).toBe('VHOST_SET_BACKEND_FEATURES IOTLB_BATCH | IOTLB_PERSIST (0x3) = 0');
    expect(await changed()).toEqual(['vhost-vdpa features']);
    expect(await page.locator('#world tr.changed .was').innerText()).toBe('was: none');
    expect(await selected()).toEqual(['1']);

    await page.keyboard.press('j');
    expect(await counter()).toBe('Step 2 / 3');
    expect(await changed()).toEqual(['userspace asid 0', 'vhost-vdpa asid 0', 'device iommu']);
    expect(await page.locator('#world .calls li').allInnerTexts()).toEqual([
      'userspace → vhost-vdpa: VHOST_IOTLB_UPDATE iova=[0x0000,0x1000)',
      'vhost-vdpa → parent: ops->set_map(asid=0)',
      'parent → device: program IOMMU [0x0000,0x1000)',
    ]);
    await page.screenshot({ path: join(SHOTS, 'viewer-persist-step2.png') });

    await page.click('#next');
    expect(await counter()).toBe('Step 3 / 3');
    expect(await label()).toBe('vhost_vdpa_reset = 0');
    expect(await changed()).toEqual(['vhost-vdpa features', 'vhost-vdpa resets', 'device iommu']);
    expect(await page.locator('#world tr.changed').nth(1).locator('.was').innerText()).toBe('(new)');
    expect(await violationActive()).toBe(true);
    expect(await page.locator('#violation-note').evaluate((e) => e.classList.contains('active'))).toBe(true);
    expect(await page.locator('#violation').innerText()).toContain('vhost-vdpa holds [0x0000,0x1000) → h0+ but the device IOMMU has empty');
    expect(await page.locator('#world .violated-here').innerText()).toContain('kernel-device-agreement is violated here');
    expect(await page.locator('#next').isDisabled()).toBe(true);
    await page.screenshot({ path: join(SHOTS, 'viewer-persist-violation.png') });

    await page.keyboard.press('ArrowRight'); // at the end: stays
    expect(await counter()).toBe('Step 3 / 3');
    await page.keyboard.press('k');
    expect(await counter()).toBe('Step 2 / 3');
    expect(await violationActive()).toBe(false);
    await page.keyboard.press('ArrowLeft');
    await page.click('#prev');
    expect(await counter()).toBe('Step 0 / 3');
    await page.click('#last');
    expect(await counter()).toBe('Step 3 / 3');
    await page.keyboard.press('Home');
    expect(await counter()).toBe('Step 0 / 3');
    await page.keyboard.press('End');
    expect(await counter()).toBe('Step 3 / 3');
    await page.click('#first');
    expect(await counter()).toBe('Step 0 / 3');
    await page.click('#diagram .step[data-step="2"] .title');
    expect(await counter()).toBe('Step 2 / 3');
    expect(await selected()).toEqual(['2']);
  });

  test('a refused step shows its errno and reason; #step-N opens that step', async () => {
    await open('overlap.html', '#step-2');
    expect(await counter()).toBe('Step 2 / 2');
    expect(await page.locator('#step-label .err').innerText()).toBe('-EFAULT');
    expect(await page.locator('#world .outcome').innerText()).toContain('(vhost: -EEXIST, overlaps [0x0000,0x2000))');
    expect(await changed()).toEqual(['userspace asid 0']);
    expect(await violationActive()).toBe(true);
    await page.screenshot({ path: join(SHOTS, 'viewer-overlap-violation.png') });
  });

  test('no script error, no console error, no network request', () => {
    expect(problems).toEqual([]);
    expect(requests).toEqual([]);
  });
});
