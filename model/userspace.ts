// A userspace drives vhost-vdpa: which calls it makes in a world, and what it believes afterwards.
// `any` (here) makes every call of a small alphabet in any order; QEMU's flows live in model/qemu.ts.
import type { Action } from '../spec/vdpa/actions.js';
import type { World } from '../spec/vdpa/world.js';
import type { CallResult, VdpaCtx } from './context.js';

export interface Userspace {
  readonly name: string;
  /** Every action this userspace (and its environment) can ever take, in a fixed order. */
  alphabet(ctx: VdpaCtx): readonly Action[];
  /** Appends the actions it takes in `w` (for scripted userspaces: the next one, plus the environment). */
  enabled(ctx: VdpaCtx, w: World, out: Action[]): void;
  /** The contract clauses (model/contract.ts ids) that decide what it lists, besides the kernel's guards. */
  readonly clauseIds?: readonly string[];
  /** Updates what userspace believes (and its program counter) in `d` after `a` returned `r` in `before`. */
  believe(ctx: VdpaCtx, d: World, a: Action, r: CallResult, before: World): void;
}
