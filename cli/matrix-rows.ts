// The shipped matrix (`vdpa-mc matrix`, `npm start`): which configurations make sense and fit the
// 3-minute budget on a 2-core machine. Every vDPA kernel × parent with both QEMU userspaces (about
// 0.1 s each: the scripts reach ~100 worlds); `any` where a known behaviour must show or must not
// (docs/known-behaviours.md), each with its default bounds (depth 7, 1–15 s each); VFIO's K5 rows.
import { VDPA_KERNELS, type ParentName, type SystemName } from '../spec/config.js';
import { parentsOfKernel } from '../systems/catalogue.js';

export interface MatrixRow {
  readonly system: SystemName;
  readonly kernel: string;
  readonly parent: ParentName | undefined;
  readonly userspace: string;
  /** Why the row is there, when it is there for a known behaviour. */
  readonly why?: string;
}

const vdpa = (kernel: string, parent: ParentName, userspace: string, why?: string): MatrixRow =>
  why === undefined ? { system: 'vdpa', kernel, parent, userspace } : { system: 'vdpa', kernel, parent, userspace, why };

/** The QEMU rows that stand for a known behaviour (docs/known-behaviours.md): found, must not be found, or cost. */
const QEMU_TAGS: Readonly<Record<string, string>> = {
  '6.6-mlx5-qemu': 'K2 not',
  '6.12-platform-qemu': 'K4 found',
  '6.12-vdpa_sim_dma-qemu': 'K4 found',
  '6.12-mlx5-qemu': 'K4 not',
  '6.12-vdpa_sim-qemu': 'K4 not',
  '6.7-mlx5-qemu': 'K6 cost',
  '6.7-mlx5-qemu-persist': 'K6',
};

export function matrixRows(): MatrixRow[] {
  const rows: MatrixRow[] = [];
  for (const userspace of ['qemu', 'qemu-persist']) {
    for (const kernel of VDPA_KERNELS) {
      // the parents the registry says the kernel has (6.1's vdpa_sim has no use_va)
      for (const parent of parentsOfKernel('vdpa', kernel)) {
        rows.push(vdpa(kernel, parent, userspace, QEMU_TAGS[`${kernel}-${parent}-${userspace}`]));
      }
    }
  }
  rows.push(
    vdpa('rfc-v2', 'vdpa_sim', 'any', 'K1 found'),
    vdpa('rfc-v3', 'vdpa_sim', 'any', 'K1 not'),
    vdpa('6.6', 'mlx5', 'any', 'K2 found'),
    // mlx5 with `any` also violates identity-after-detach, by another path than K3 (the CVQ iotlb of an
    // ASID-1-only session survives release: see the issue notes); vdpa_sim stands for K3's "must not".
    vdpa('6.7', 'mlx5', 'any'),
    vdpa('6.12', 'mlx5', 'any'),
    vdpa('6.7', 'vdpa_sim', 'any', 'K3 not'),
    vdpa('6.12', 'vdpa_sim', 'any', 'K3 not'),
    vdpa('examples/variants/k3-no-reset-map-no-compat-reset.ts', 'mlx5', 'any', 'K3 found'),
    vdpa('6.12', 'vdpa_sim_dma', 'any'),
    vdpa('6.12', 'vdpa_sim_va', 'any'),
    vdpa('6.12', 'platform', 'any'),
    vdpa('6.12', 'vduse', 'any'),
    { system: 'vfio', kernel: 'lu-rfc', parent: undefined, userspace: 'any', why: 'K5 found' },
    { system: 'vfio', kernel: 'lu-rfc', parent: undefined, userspace: 'cpr', why: 'K5 not' },
    { system: 'vfio', kernel: '6.12', parent: undefined, userspace: 'cpr' },
  );
  return rows;
}

/** The directory name of a row's traces: "6.12-mlx5-qemu", "lu-rfc-any" (vfio has no parent). */
export function rowSlug(r: Pick<MatrixRow, 'kernel' | 'parent' | 'userspace'>): string {
  return [r.kernel, r.parent, r.userspace].filter((x) => x !== undefined).join('-').replace(/[^A-Za-z0-9._-]/g, '_');
}
