// A reader thread for store.test.ts: asks a shared visited table about fingerprints while the
// test's thread inserts and grows it, until told to stop; counts what it was told.
import { parentPort, workerData } from 'node:worker_threads';
import { KnownFingerprints, type SharedTable } from '../../explorer/store.js';
import { hashWords, newHashOut } from '../../explorer/hash.js';

const { table, control } = workerData as { table: SharedTable; control: Int32Array };
const reader = new KnownFingerprints(table);
const h = newHashOut();
const w = new Int32Array([0, 0x5bd1e995]);
const ask = (i: number): boolean => {
  w[0] = i;
  hashWords(w, 2, h);
  return reader.has(h[0]!, h[1]!);
};
let falsePositives = 0;
let hits = 0;
let asked = 0;
let r = 1;
// control[0]: 1 to stop; control[1]: fingerprints 0 .. control[1]-1 are stored; control[2]: 1 once asking
Atomics.store(control, 2, 1);
while (Atomics.load(control, 0) === 0) {
  r = (Math.imul(r, 1103515245) + 12345) >>> 0;
  const stored = Atomics.load(control, 1);
  if (stored > 0 && ask(r % stored)) hits++;
  if (ask(10_000_000 + (r % 10_000_000))) falsePositives++;
  asked++;
}
parentPort!.postMessage({ falsePositives, hits, asked });
