// What errno-expectation's wellFormed reads of a world beyond the guard's control projection
// (spec/vdpa/transitions.ts `projection`), as one small integer: the two together decide the target
// part of errno-expectation, which is then judged once per distinct pair instead of at every
// transition. test/vdpa/well-formed-key.test.ts checks that wellFormed reads no field outside the two,
// that the bits left out of a field read in part change no judgement, and that worlds with equal keys
// get equal judgements.
import { NAS, NH, NP, bit } from '../../spec/vdpa/constants.js';
import type { World } from '../../spec/vdpa/world.js';

const SUSPEND = bit('SUSPEND');
const RESUME = bit('RESUME');

/**
 * Read whole: uAs, batchAsid (the projection keeps it only inside a batch), devSuspended, uMap (each
 * entry in [-1, NH-1]). Read in part: acked only as its SUSPEND and RESUME bits (IOTLB_ASID, read by
 * effectiveAsid and a clause, is the projection's), uStale only as zero or not (remap-after-reset).
 * Below 2^26 for NAS=2, NP=4, NH=4: a small integer, V8's fast map key.
 */
export function wellFormedKey(w: World): number {
  let k = ((w.acked & SUSPEND) !== 0 ? 1 : 0) | ((w.acked & RESUME) !== 0 ? 2 : 0) | (w.uStale !== 0 ? 4 : 0) | (w.devSuspended ? 8 : 0);
  k = k * (1 << NAS) + w.uAs;
  k = k * NAS + w.batchAsid;
  const u = w.uMap;
  for (let i = 0; i < NAS * NP; i++) k = k * (NH + 1) + u[i]! + 1;
  return k;
}
