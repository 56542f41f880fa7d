// `vdpa-mc/variant`: what a variant module (a proposed patch, `--kernel ./my-patch.ts`) imports.
export {
  accept, bit, defineVariant, forParents, hasFeature, refuse, withoutOps,
  type KernelBehaviours, type OptionalOp, type ParentHook, type ParentInfo, type SbfHook, type Variant, type VariantSpec,
} from '../systems/vdpa/variant.js';
export type { VdpaConfigOps } from '../model/parents/ops.js';
export type { World } from '../spec/vdpa/world.js';
// VFIO kernel variants (`--system vfio --kernel ./file.ts`)
export {
  defineVfioVariant, type VfioKernelBehaviours, type VfioVariant, type VfioVariantSpec,
} from '../systems/vfio/variant.js';
export type { MapOverPresentPte, VfioKernel } from '../spec/vfio/kernels.js';
