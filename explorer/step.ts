// One transition as the searches take it (bfs.ts, expand.ts): Model.next, or Model.peek when the model
// offers it with commit and a schema, so that a successor is built only once the store finds it new.
import type { Model } from './model.js';
import type { Fingerprinter } from './fingerprint.js';

export class Step<S, A> {
  /** Model.peek when it is used (with commit and a schema), else undefined: next builds every successor. */
  private readonly peek: ((s: S, a: A) => S) | undefined;

  constructor(
    private readonly model: Model<S, A>,
    private readonly fp: Fingerprinter<S>,
  ) {
    this.peek = model.peek !== undefined && model.commit !== undefined && fp.codec !== undefined ? model.peek : undefined;
  }

  /** True when successors are transients until `keep` (the caller must then pass `take` its world's record). */
  get peeks(): boolean {
    return this.peek !== undefined;
  }

  /**
   * The world after `a` from `s`, undefined for a self-loop. With peek a transient, valid until the
   * model's next step: a self-loop is told by its encoding against `s`'s record at base[off..].
   */
  take(s: S, a: A, base: Int32Array, off: number): S | undefined {
    const peek = this.peek;
    if (peek === undefined) return this.model.next(s, a);
    const t = peek(s, a);
    return t !== s && this.fp.differs(t, base, off) ? t : undefined;
  }

  /**
   * The store key of `s2` (as `take` returned it from `s`, whose record is base[off..]) into fp.h:
   * what a successor shares with `s` is not encoded again (Fingerprinter.keyFrom).
   */
  key(s2: S, s: S, base: Int32Array, off: number): void {
    if (this.peek !== undefined) this.fp.keyAfterDiffers(s2);
    else this.fp.keyFrom(s2, s, base, off);
  }

  /** `s2` as a world to keep: built from the transient (Model.commit) when peeked, before anything else steps the model. */
  keep(s2: S): S {
    return this.peek !== undefined ? this.model.commit!() : s2;
  }
}
