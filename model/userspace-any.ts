// Userspace `any`: every ioctl and IOTLB message of a small alphabet, in any order, plus the
// environment (bus driver binds, munmap). The alphabet is printed with each result.
import type { Action } from '../spec/vdpa/actions.js';
import { NAS, bit } from '../spec/vdpa/constants.js';
import { effectiveAsid, guardTable, type GuardTable } from '../spec/vdpa/transitions.js';
import type { World } from '../spec/vdpa/world.js';
import type { VdpaCtx } from './context.js';
import { DEFAULT_NVQS } from './parents/ops.js';
import type { Userspace } from './userspace.js';
import { matchesFilter, type ActionFilter } from './action-filter.js';
import { believeAfter, noteWindow } from './userspace-belief.js';
import { CLAUSES, brokenClause, clausesByKind, contract as makeContract, staleAfter, type ContractClause } from './contract.js';
import type { ContractName } from '../spec/config.js';

const BASE = bit('IOTLB_MSG_V2') | bit('IOTLB_BATCH') | bit('IOTLB_ASID');

/** The feature sets `any` acks: every bit of semantics.md §1.6 appears, alone or with QEMU's base. */
export const ANY_FEATURE_SETS: readonly number[] = [
  0,
  BASE,
  BASE | bit('SUSPEND') | bit('RESUME'),
  BASE | bit('IOTLB_PERSIST'),
  bit('IOTLB_PERSIST'),
  BASE | bit('DESC_ASID'),
  BASE | bit('ENABLE_AFTER_DRIVER_OK'),
  BASE | bit('SUSPEND') | bit('RESUME') | bit('IOTLB_PERSIST'),
];

export function anyAlphabet(ctx: VdpaCtx): Action[] {
  const out: Action[] = [{ t: 'open' }, { t: 'setOwner' }];
  for (const features of ANY_FEATURE_SETS) out.push({ t: 'setBackendFeatures', features });
  out.push({ t: 'setStatus', status: 0xf }, { t: 'setStatus', status: 0 }, { t: 'suspend' }, { t: 'resume' });
  for (let g = 0; g < ctx.ops.ngroups; g++) for (let a = 0; a < NAS; a++) out.push({ t: 'setGroupAsid', group: g, asid: a });
  // out of range: group = ngroups (-EINVAL since cd025c1e876b; the parent's own check before), the first
  // index past the virtqueues (-ENOBUFS), ASID = nas (-EINVAL). Refused calls add no worlds.
  const nvqs = ctx.ops.nvqs ?? DEFAULT_NVQS;
  out.push({ t: 'setGroupAsid', group: ctx.ops.ngroups, asid: 0 });
  if (nvqs !== ctx.ops.ngroups) out.push({ t: 'setGroupAsid', group: nvqs, asid: 0 });
  out.push({ t: 'setGroupAsid', group: 0, asid: ctx.ops.nas });
  // The vring ioctls where the parent keeps something of them (spec/vdpa/config-ops.ts): vqs[0]'s ring
  // fields (mlx5 6.12's needs_vqs_reset) and the CVQ made ready again (mlx5's set_cvq_ready, the only way
  // back after SUSPEND). Elsewhere they change no world: left out. SET_VRING_BASE is left out too: it marks
  // the same fields as SET_VRING_ADDR in the same states, and its one difference, mlx5's -EINVAL for a RDY
  // queue, is a refusal that adds no world (test/vdpa/vring.test.ts has it); each letter costs a
  // transition per state of every mlx5 6.12 search.
  if (ctx.ops.set_vq_address !== undefined) out.push({ t: 'setVringAddr', vq: 0 });
  if (ctx.ops.set_vq_ready !== undefined) out.push({ t: 'setVringEnable', vq: nvqs - 1, ready: 1 });
  for (let asid = 0; asid < NAS; asid++) {
    out.push(
      { t: 'iotlbUpdate', asid, page: 0, npages: 2, host: 0 }, // h0,h1: physically contiguous → one entry
      { t: 'iotlbUpdate', asid, page: 2, npages: 2, host: 2 }, // h2,h3: not contiguous → two entries
      { t: 'iotlbUpdate', asid, page: 0, npages: 1, host: 2 }, // p0 to another page
      { t: 'iotlbInvalidate', asid, page: 0, npages: 1 }, // partial
      { t: 'iotlbInvalidate', asid, page: 0, npages: 4 }, // everything
      { t: 'iotlbBatchBegin', asid },
      ...(asid === 0 ? [{ t: 'iotlbUpdate', asid, page: 0, npages: 0, host: 0 } as const] : []), // size 0: -EINVAL
      { t: 'iotlbBatchEnd', asid },
    );
  }
  out.push({ t: 'close' }, { t: 'bindVirtio' }, { t: 'bindVhost' }, { t: 'userFree', host: 0 }, { t: 'userFree', host: 2 });
  // the environment: a map allocation in the parent fails once, the next one or the one after (the
  // second chunk of a vhost_vdpa_pa_map: [0x2000,0x4000) → h2,h3 is two)
  out.push({ t: 'parentFault' }, { t: 'parentFault', after: 1 });
  return out;
}

/**
 * `exclude`: actions left out of the alphabet (`--exclude-actions`). `contractName`: the clauses
 * (model/contract.ts) that guard the alphabet on top of the kernel's own guards (a name, or a list of
 * clauses for tests of one clause). A contract short of the strict one also remembers whether the
 * trace so far keeps the strict contract (uBroke, and the stale belief while it does): its worlds are
 * strict's worlds, reached by strict's paths, plus those only a breach of a strict clause reaches.
 */
export function anyUserspace(exclude: readonly ActionFilter[] = [], contractName: ContractName | readonly ContractClause[] = 'none'): Userspace {
  const clauses = typeof contractName === 'string' ? makeContract(contractName).clauses : contractName;
  const tracksStale = clauses.some((c) => c.id === 'remap-after-reset');
  const tracksBreach = CLAUSES.some((c) => !clauses.includes(c));
  const strictFor = clausesByKind(CLAUSES);
  // A filter on an IOTLB message's asid matches the ASID the message lands in (vhost_chr_write_iter
  // reads the field only once IOTLB_ASID is acked, else ASID 0): it is decided per world.
  const onAsid = (f: ActionFilter): boolean => f.kind.startsWith('iotlb') && f.args.some(([k]) => k === 'asid');
  const staticFilters = exclude.filter((f) => !onAsid(f));
  const asidFilters = exclude.filter(onAsid);
  const leftOut = (w: World, a: Action): boolean =>
    'asid' in a && asidFilters.some((f) => {
      const effective: { readonly t: string; readonly asid: number } = { ...a, asid: effectiveAsid(w, a.asid) };
      return matchesFilter(f, effective);
    });
  let cache: { ctx: VdpaCtx; alphabet: Action[]; table: GuardTable } | undefined;
  const get = (ctx: VdpaCtx): NonNullable<typeof cache> => {
    if (cache === undefined || cache.ctx !== ctx) {
      const alphabet = anyAlphabet(ctx).filter((a) => !staticFilters.some((f) => matchesFilter(f, a)));
      cache = { ctx, alphabet, table: guardTable(ctx, alphabet) };
    }
    return cache;
  };
  return {
    name: 'any',
    clauseIds: clauses.map((c) => c.id),
    alphabet: (ctx) => get(ctx).alphabet,
    enabled: (ctx, w, out) => {
      const c = get(ctx);
      if (clauses.length === 0 && asidFilters.length === 0) {
        for (const i of c.table.enabled(w)) out.push(c.alphabet[i]!);
        return;
      }
      next: for (const i of c.table.enabled(w)) {
        const a = c.alphabet[i]!;
        if (asidFilters.length > 0 && leftOut(w, a)) continue;
        for (const cl of clauses) if (cl.breaks(ctx, w, a)) continue next;
        out.push(a);
      }
    },
    believe: (ctx, d, a, r, before) => {
      believeAfter(ctx, d, a, r, before);
      if (tracksBreach && !before.uBroke && brokenClause(ctx, strictFor[a.t], before, a) !== undefined) d.uBroke = true;
      // once the strict contract is broken, a stale belief matters only to a clause still enforced
      if (tracksStale || (tracksBreach && !d.uBroke)) d.uStale = staleAfter(before, a, r, before.uStale);
      else if (d.uStale !== 0) d.uStale = 0;
      if (!(a.t === 'iotlbBatchEnd' && r.ret === '0')) noteWindow(ctx, d);
    },
  };
}
