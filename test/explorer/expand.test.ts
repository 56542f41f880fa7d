// The expander's filter on what it sends to the merger (expand.ts): successors the merger's store
// already holds, read through the shared table, are not sent; the others are.
import { describe, expect, it } from 'vitest';
import { Expander, SENT } from '../../explorer/expand.js';
import { Fingerprinter } from '../../explorer/fingerprint.js';
import { KnownFingerprints, VisitedStore } from '../../explorer/store.js';
import { bitsModel, type Bits } from './toys.js';

const N = 4;

/** Tags of the stream of a one-world chunk: [count, tag, (lo, hi, record)?, ...]. */
function sentFlips(stream: Int32Array, words: number): number[] {
  const sent: number[] = [];
  let pos = 1;
  for (let ai = 0; ai < stream[0]!; ai++) {
    const tag = stream[pos++]!;
    if ((tag & SENT) === 0) continue;
    sent.push(ai);
    pos += 2 + words;
  }
  return sent;
}

describe('expander: what it sends', () => {
  const model = bitsModel(N);
  const fp = new Fingerprinter(model.schema, undefined);
  const root: Bits = { bits: [false, false, false, false] };
  fp.of(root);
  const record = fp.scratch.slice();
  const words = record.length;
  const active = new Uint8Array(0);

  it('sends every new successor when it is given no table', () => {
    const r = new Expander(model, [], false).expandChunk(record, 1, active);
    expect(sentFlips(r.stream, words)).toEqual([0, 1, 2, 3]);
  });

  it('does not send the successors the store holds, read in this thread or through the shared table, and sends the others', () => {
    const store = new VisitedStore();
    for (const i of [1, 3]) {
      fp.of(model.next(root, { i })!);
      store.addIfNew(fp.h[0]!, fp.h[1]!, 0, i);
    }
    const here = new Expander(model, [], false).expandChunk(record, 1, active, undefined, store);
    expect(sentFlips(here.stream, words)).toEqual([0, 2]);
    const shared = new Expander(model, [], false).expandChunk(record, 1, active, undefined, new KnownFingerprints(store.share()));
    expect(sentFlips(shared.stream, words)).toEqual([0, 2]);
  });

  it('with a table to read, forgets what it sent past its limit (then sends it again); without one, never', () => {
    const twice = (ex: Expander<Bits, { i: number }>, store?: VisitedStore) => {
      const table = store === undefined ? undefined : new KnownFingerprints(store.share());
      const first = sentFlips(ex.expandChunk(record, 1, active, undefined, table).stream, words);
      return [first, sentFlips(ex.expandChunk(record, 1, active, undefined, table).stream, words)];
    };
    // an empty store: the table tells nothing, only what the expander remembers filters
    expect(twice(new Expander(model, [], false, 4), new VisitedStore())).toEqual([[0, 1, 2, 3], [0, 1, 2, 3]]);
    expect(twice(new Expander(model, [], false, 5), new VisitedStore())).toEqual([[0, 1, 2, 3], []]);
    expect(twice(new Expander(model, [], false, 4))).toEqual([[0, 1, 2, 3], []]);
  });
});
