// `vdpa-mc trace replay FILE --on-kernel` as a user runs it (the binary, dist/cli/main.js): the shipped
// kernel-device-agreement counterexample of 6.12 vdpa_sim is confirmed on the real kernel, and the
// device's own translation (vdpa_sim_net's datapath, lab/device-probe.ts) is what the model says: after
// the reset, IOVA 0x0 lands in none of the agent's pages (the 1:1 map) while vhost-vdpa's iotlb has h0.
// A second trace has the CVQ's SET_VRING_BASE and SET_VRING_ENABLE inserted: they run on the kernel and
// agree; `any` has no vring letters on vdpa_sim, so the model's replay stops there, and the verdict says so.
// One guest boot per test (the command boots its own). Needs the lab built (`bash lab/build.sh`).
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { expect, test } from 'vitest';
import { readLabManifest } from '../../lab/guest.js';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = resolve(ROOT, 'dist/cli/main.js');
const TRACE = 'test/lab/traces/6.12-vdpa_sim-kernel-device-agreement.itf.json';

interface Probe { page: number; observedName: string; expectedName: string }
interface Step { index: number; difference?: string; device?: { probes?: Probe[]; skipped?: string } }

test('trace replay --on-kernel (the binary): the shipped kernel-device-agreement trace is confirmed, device probes included', async () => {
  expect(typeof readLabManifest() === 'string' ? readLabManifest() : 'built', 'the lab is not built: run `bash lab/build.sh`').toBe('built');
  const r = await new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
    execFile(process.execPath, [BIN, 'trace', 'replay', TRACE, '--on-kernel', '--json'], { cwd: ROOT, timeout: 170_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      done({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout, stderr });
    });
  });
  expect(r.code, r.stderr).toBe(12);
  const j = JSON.parse(r.stdout) as { verdict: string; kernel: string; parent: string; steps: Step[]; modelViolation: { step: number } | null };
  expect(j).toMatchObject({ verdict: 'confirmed', kernel: '6.12', parent: 'vdpa_sim' });
  expect(j.steps.filter((s) => s.difference !== undefined)).toEqual([]);
  // after the violating step the device was probed: IOVA 0x0 went to none of h0..h3 (1:1), as the model says
  const at = j.steps[j.modelViolation!.step - 1]!;
  const p0 = at.device?.probes?.find((p) => p.page === 0);
  expect(p0, JSON.stringify(at)).toMatchObject({ observedName: 'none of h0..h3', expectedName: 'none of h0..h3' });
}, 180_000);

test('trace replay --on-kernel runs the vring ioctls: every step agrees; the model\'s replay under userspace any stops at them, and the verdict says so', async () => {
  expect(typeof readLabManifest() === 'string' ? readLabManifest() : 'built', 'the lab is not built: run `bash lab/build.sh`').toBe('built');
  const r = await new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
    execFile(process.execPath, [BIN, 'trace', 'replay', 'test/lab/traces/6.12-vdpa_sim-vring-ioctls.itf.json', '--on-kernel', '--json'], { cwd: ROOT, timeout: 170_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      done({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout, stderr });
    });
  });
  expect(r.code, r.stderr).toBe(0);
  const j = JSON.parse(r.stdout) as { verdict: string; steps: (Step & { label: string; kernel: { ret: string } })[]; modelStopped: { step: number; why: string } | null };
  expect(j.verdict).toBe('not-violated');
  expect(j.steps.filter((s) => s.difference !== undefined)).toEqual([]);
  expect(j.steps.slice(2, 4).map((s) => [s.label, s.kernel.ret])).toEqual([['ioctl(VHOST_SET_VRING_BASE, index=2)', '0'], ['ioctl(VHOST_VDPA_SET_VRING_ENABLE, index=2 num=1)', '0']]);
  expect(j.modelStopped).toMatchObject({ step: 3, why: expect.stringMatching(/VHOST_SET_VRING_BASE.*not allowed/) as unknown });
}, 180_000);
