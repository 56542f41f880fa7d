// QEMU's flows as sequences of single ioctls and IOTLB messages (one step each, so that the running
// device is observed between any two). Each step says what it does to QEMU's memory transaction, if
// anything. semantics.md §5.1–§5.3; Q-hw = hw/virtio/vhost-vdpa.c, Q-net = net/vhost-vdpa.c.
import type { Action } from '../../spec/vdpa/actions.js';
import { S_ACKNOWLEDGE, S_DRIVER, S_DRIVER_OK, S_FEATURES_OK } from '../../spec/vdpa/constants.js';
import { CVQ_ASID, CVQ_BUFFERS, invalidate, ramLayout, update, type QemuCaps, type Region } from './layout.js';

/**
 * The memory-transaction role of a step (model/userspace-belief.ts): `begin` opens it before the step's
 * own effect is believed (BATCH_BEGIN), `beginAt` opens it as of the world before the step (an
 * un-batched first message), `mid` notes the window after the step, `end` closes it after the step.
 */
export type TxnHook = 'none' | 'begin' | 'beginAt' | 'mid' | 'end';

export interface Step {
  readonly action: Action;
  readonly txn: TxnHook;
}

/** Where the script is between flows. */
export interface Phase {
  readonly resized: boolean;
  readonly svq: boolean;
}

const ACK_DRIVER = S_ACKNOWLEDGE | S_DRIVER;
const FEATURES_OK = ACK_DRIVER | S_FEATURES_OK;
const ALL_OK = FEATURES_OK | S_DRIVER_OK;

const plain = (action: Action): Step => ({ action, txn: 'none' });

/**
 * A memory transaction of the listener (begin … commit): BATCH_BEGIN once before the first message and
 * BATCH_END at commit when IOTLB_BATCH is acked (vhost_vdpa_iotlb_batch_begin_once /
 * vhost_vdpa_listener_commit); otherwise the messages alone, the transaction still bracketing them.
 */
export function memoryTransaction(caps: QemuCaps, msgs: readonly Action[]): Step[] {
  if (caps.batch) {
    return [
      { action: { t: 'iotlbBatchBegin', asid: 0 }, txn: 'begin' },
      ...msgs.map((action): Step => ({ action, txn: 'mid' })),
      { action: { t: 'iotlbBatchEnd', asid: 0 }, txn: 'end' },
    ];
  }
  if (msgs.length < 2) throw new Error('an un-batched memory transaction of one message has no window to check');
  return msgs.map((action, i): Step => ({ action, txn: i === 0 ? 'beginAt' : i === msgs.length - 1 ? 'end' : 'mid' }));
}

// Init (Q-hw vhost_vdpa_init / vhost_vdpa_set_owner / vhost_vdpa_set_backend_cap): open, owner, backend
// features (GET_BACKEND_FEATURES is an observation: caps.acked), then ACK|DRIVER.
export function initFlow(caps: QemuCaps): Step[] {
  return [
    plain({ t: 'open' }),
    plain({ t: 'setOwner' }),
    plain({ t: 'setBackendFeatures', features: caps.acked }),
    plain({ t: 'setStatus', status: ACK_DRIVER }),
  ];
}

// Device start (vhost_net_start → vhost_dev_start: set_features adds FEATURES_OK; Q-net
// vhost_vdpa_net_cvq_start: SET_GROUP_ASID(cvq, 1) on every start and the two CVQ buffers, un-batched;
// Q-hw vhost_vdpa_dev_start(true) on the last vhost_dev: memory_listener_register, then DRIVER_OK).
// `mapAll` false: qemu-persist after a reset that kept the maps (the listener stays registered).
export function startFlow(caps: QemuCaps, ph: Phase, mapAll: boolean): Step[] {
  const steps: Step[] = [plain({ t: 'setStatus', status: FEATURES_OK })];
  if (caps.cvqIsolated && !ph.svq) {
    steps.push(plain({ t: 'setGroupAsid', group: 1, asid: CVQ_ASID }));
    if (mapAll) for (const b of CVQ_BUFFERS) steps.push(plain(update(CVQ_ASID, b)));
  }
  if (mapAll) steps.push(...memoryTransaction(caps, ramLayout(ph.resized, ph.svq).map((r) => update(0, r))));
  steps.push(plain({ t: 'setStatus', status: ALL_OK }));
  return steps;
}

// Device stop (vhost_dev_stop → vhost_vdpa_dev_start(false): SUSPEND if acked; vhost_vdpa_reset_status:
// SET_STATUS(0), add ACK|DRIVER, memory_listener_unregister → one batch of INVALIDATEs; then Q-net
// vhost_vdpa_net_cvq_stop unmaps the CVQ buffers). `unmapAll` false: qemu-persist keeps the listener.
export function stopFlow(caps: QemuCaps, ph: Phase, unmapAll: boolean): Step[] {
  const steps: Step[] = [];
  if (caps.suspend) steps.push(plain({ t: 'suspend' }));
  steps.push(plain({ t: 'setStatus', status: 0 }), plain({ t: 'setStatus', status: ACK_DRIVER }));
  if (unmapAll) {
    steps.push(...memoryTransaction(caps, ramLayout(ph.resized, ph.svq).map((r) => invalidate(0, r))));
    if (caps.cvqIsolated && !ph.svq) for (const b of CVQ_BUFFERS) steps.push(plain(invalidate(CVQ_ASID, b)));
  }
  return steps;
}

// A RAM resize while running (memory_region_ram_resize → one topology update): region_del of the old
// section before region_add of the new one (system/memory.c), in one listener transaction.
export function resizeFlow(caps: QemuCaps, svq: boolean): Step[] {
  const before = ramLayout(false, svq)[1]!;
  const after: Region = ramLayout(true, svq)[1]!;
  return memoryTransaction(caps, [invalidate(0, before), update(0, after)]);
}

// QEMU quits (vm_shutdown stops the device, then vhost_vdpa_cleanup closes the fd).
export function closeFlow(caps: QemuCaps, ph: Phase): Step[] {
  return [...stopFlow(caps, ph, !caps.persist), plain({ t: 'close' })];
}

/** After QEMU is gone, the administrator may hand the device to virtio-vdpa. */
export const BIND_VIRTIO: Step = plain({ t: 'bindVirtio' });
