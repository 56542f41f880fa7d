// The vDPA invariants, in the order of design.md.
import { asidRouting } from './asid-routing.js';
import { dmaIsolation } from './dma-isolation.js';
import { dmaIsolationStrict } from './dma-isolation-strict.js';
import { errnoExpectation } from './errno-expectation.js';
import { featureNegotiation } from './feature-negotiation.js';
import { identityAfterDetach } from './identity-after-detach.js';
import type { VdpaInvariant } from './invariant.js';
import { kernelDeviceAgreement } from './kernel-device-agreement.js';
import { noDmaWindow } from './no-dma-window.js';
import { pinAccounting } from './pin-accounting.js';
import { userKernelAgreement } from './user-kernel-agreement.js';

export const VDPA_INVARIANTS: readonly VdpaInvariant[] = [
  userKernelAgreement, kernelDeviceAgreement, identityAfterDetach, noDmaWindow,
  featureNegotiation, dmaIsolation, pinAccounting, asidRouting, dmaIsolationStrict, errnoExpectation,
];
