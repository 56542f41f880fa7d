// The sequence-diagram lanes of the VFIO model (model/call-log.ts has userspace and device).
export const LANE_VFIO = 'vfio type1';
export const LANE_IOMMU = 'iommu';
