// The HTML page without a browser: self-contained, the trace embedded, text escaped.
import { describe, expect, test } from 'vitest';
import { esc, renderHtml, renderSvg, scriptJson } from '../../traces/html.js';
import { fromItf } from '../../traces/itf.js';
import type { Trace } from '../../traces/trace.js';
import { fixtureTraces } from './fixtures/fixture-traces.js';

const { persist, overlap } = fixtureTraces();

describe('renderHtml', () => {
  const html = renderHtml(persist);

  test('nothing is fetched at view time: no src/href to anything, a CSP that forbids it', () => {
    expect(html).not.toMatch(/\b(src|href)\s*=/i);
    expect(html).not.toMatch(/https?:\/\/(?!apalache-mc\.org\/docs\/adr\/015adr-trace\.html|www\.w3\.org\/2000\/svg)/);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"`);
  });

  test('the embedded trace is its ITF and reads back as the same trace', () => {
    const m = /<script type="application\/json" id="trace-data">(.*?)<\/script>/s.exec(html);
    expect(m).not.toBeNull();
    const back = fromItf(JSON.parse(m![1]!));
    expect(back.ok && back.trace).toStrictEqual(persist);
  });

  test('a lane per layer, a band per step (0 = initial world), the violation note', () => {
    const svg = renderSvg(persist);
    for (const lane of persist.lanes) expect(svg).toContain(`>${lane}</text>`);
    expect([...svg.matchAll(/<g class="step[^"]*" data-step="(\d+)"/g)].map((x) => Number(x[1]))).toEqual([0, 1, 2, 3]);
    expect(svg).toContain('<g id="violation-note" class="note">');
    expect(renderSvg(overlap)).toContain('<g class="step refused" data-step="2">');
  });

  test('text from the model is escaped, and no </script> can end the data early', () => {
    const evil: Trace = {
      ...persist,
      violation: { invariant: 'x<script>alert(1)</script>', message: '</script><b>&' },
      steps: persist.steps.map((s) => ({ ...s, label: `${s.label} <img src=x>` })),
    };
    const page = renderHtml(evil);
    expect(page).not.toContain('<script>alert(1)');
    expect(page).not.toContain('<img src=x>');
    expect(page.match(/<\/script>/g)).toHaveLength(2);
    expect(esc(`<a href="x">'&'</a>`)).toBe('&#60;a href=&#34;x&#34;&#62;&#39;&#38;&#39;&#60;/a&#62;');
    expect(scriptJson({ a: '</script>\u2028' })).toBe('{"a":"\\u003c/script>\\u2028"}');
  });
});

describe('wrap', () => {
  test('greedy, by words, never an empty result', async () => {
    const { wrap } = await import('../../traces/html.js');
    expect(wrap('aa bb cc dd', 5)).toEqual(['aa bb', 'cc dd']);
    expect(wrap('averyveryverylongword x', 5)).toEqual(['averyveryverylongword', 'x']);
    expect(wrap('', 5)).toEqual(['']);
  });
});
