import { renderHtml } from '../../traces/html.js';
import { writeFileSync } from 'node:fs';
import { fixtureTraces } from './fixtures/fixture-traces.js';
const { persist, overlap } = fixtureTraces();
writeFileSync('/tmp/tt/persist.html', renderHtml(persist));
writeFileSync('/tmp/tt/overlap.html', renderHtml(overlap));
