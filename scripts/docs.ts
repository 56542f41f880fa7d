// `npm run docs`: rewrites README.md's generated sections from the registries (cli/readme-tables.ts).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderReadme } from '../cli/readme-tables.js';

const path = join(dirname(fileURLToPath(import.meta.url)), '..', 'README.md');
const before = readFileSync(path, 'utf8');
const after = renderReadme(before);
if (after !== before) writeFileSync(path, after);
process.stdout.write(after !== before ? 'README.md: generated sections rewritten\n' : 'README.md: generated sections already agree with the registries\n');
