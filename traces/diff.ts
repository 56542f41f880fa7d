// What changed between two views of the world, layer by layer: the text renderer prints these,
// replay names the first one when worlds diverge, the HTML viewer marks them (same rule, in JS).
import type { LayerView } from './trace-model.js';

export interface FieldChange {
  readonly layer: string;
  readonly name: string;
  /** Absent: the field is new. */
  readonly before?: string;
  /** Absent: the field is gone. */
  readonly after?: string;
}

/** Changed, added and removed fields, in the order of `after`'s layers and fields (removed ones last in their layer). */
export function viewChanges(before: readonly LayerView[], after: readonly LayerView[]): FieldChange[] {
  const out: FieldChange[] = [];
  const beforeLayers = new Map(before.map((l) => [l.layer, l]));
  const seen = new Set<string>();
  const layerOrder = [...after.map((l) => l.layer), ...before.map((l) => l.layer).filter((n) => !after.some((l) => l.layer === n))];
  for (const name of layerOrder) {
    if (seen.has(name)) continue;
    seen.add(name);
    const b = new Map((beforeLayers.get(name)?.fields ?? []).map((f) => [f.name, f.value]));
    const aFields = after.find((l) => l.layer === name)?.fields ?? [];
    const a = new Map(aFields.map((f) => [f.name, f.value]));
    for (const f of aFields) {
      const was = b.get(f.name);
      if (was === undefined) out.push({ layer: name, name: f.name, after: f.value });
      else if (was !== f.value) out.push({ layer: name, name: f.name, before: was, after: f.value });
    }
    for (const [field, was] of b) {
      if (!a.has(field)) out.push({ layer: name, name: field, before: was });
    }
  }
  return out;
}
