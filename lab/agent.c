/*
 * The lab's guest agent (static, PID 1's child): reads one command per line on the second serial
 * port (/dev/ttyS1), runs it against /dev/vhost-vdpa-0 and answers one line per command.
 * The host side is lab/guest.ts; the protocol and every model <-> kernel mapping is in lab/MAPPING.md.
 *
 *   P bm va [k]      k=0 (default): reload vdpa_sim with batch_mapping=bm (use_va=va where the module
 *                    has it), re-create vdpa0; k=1: a VDUSE device instead (below), vdpa_sim removed
 *                                                       -> "P <ret> <backend features offered>"
 *   v                the VDUSE device's address map as its daemon reads it (VDUSE_IOTLB_GET_FD for
 *                    IOVA pages 0..3)   -> "V <t0> <t1> <t2> <t3>": host page h (the entry's file is
 *                    the host pages' memfd, at offset h*0x1000), -1 no entry, -3 another file
 *   N va             new trace: close fds, unmap and rebuild the host pages h0..h3
 *                    (va=0: per-page memfd pages with known physical layout; va=1: one shared mapping)
 *                                                       -> "N <ret> <pfn h0> <pfn h1> <pfn h2> <pfn h3>"
 *   o | c | w        open / close / VHOST_SET_OWNER
 *   b F | s S        VHOST_SET_BACKEND_FEATURES F (kernel bit mask) / VHOST_VDPA_SET_STATUS S
 *   u | r            VHOST_VDPA_SUSPEND / VHOST_VDPA_RESUME (argument 0, as for every _IO ioctl here)
 *   g G A            VHOST_VDPA_SET_GROUP_ASID group G asid A
 *   A Q | B Q        VHOST_SET_VRING_ADDR index Q (the probe's ring layout for queue Q < 2: the same
 *                    addresses set_rings gives it; Q >= 2: R + 0xc00) / VHOST_SET_VRING_BASE {Q, 0}
 *   e Q N            VHOST_VDPA_SET_VRING_ENABLE {Q, N}
 *   m T A I S H      write(vhost_msg_v2 { type MSG_V2, asid A, iotlb { iova I, size S,
 *                    uaddr = &h[H], perm RW, type T } })
 *   f H              munmap h[H]
 *   d P X A          probe the DEVICE's translation of IOVA page P through vdpa_sim_net's datapath
 *                    (below): X=1 maps the probe's ring page into ASID A for the probe and removes it
 *                    after, X=0 relies on the device's 1:1 map   -> "D <outcome> <errno>"
 *   q                power off
 * Every step answers "R <0 or -errno> <nr_foll_pin_acquired delta> <nr_foll_pin_released delta>".
 *
 * The probe: vdpa_sim_net loops each TX packet into the next RX buffer (vdpasim_net_work). Before a
 * SET_STATUS that turns DRIVER_OK on, the agent gives the RX (0) and TX (1) queues rings in its own
 * ring page R, at IOVA RING_IOVA = R's physical address (PA mode) or R's address (VA mode), so that a
 * device on its 1:1 map reads them as they are. A probe writes a tagged broadcast packet into R, one RX
 * descriptor at IOVA P*0x1000 + 0x800, kicks TX, and looks for the tag in h0..h3:
 *   outcome 0..3  the device wrote the packet into host page h<outcome>
 *          -1     it took the RX buffer and could not write it (rx error: P does not translate)
 *          -2     it wrote it, but into none of h0..h3 (its 1:1 map in PA mode, or a freed page)
 *          -3     it did not take the TX packet (not running, or R does not translate)
 *          -4     no rings (no DRIVER_OK since they could be set), -5 the ring map was refused (errno)
 *
 * VDUSE: the agent is also the device's daemon. It creates "vduse0" on /dev/vduse/control (6.12: a
 * virtio-net device; 6.1 accepts virtio-blk only: one with the same two queues), sets up its queues,
 * adds it with `vdpa dev add mgmtdev vduse`, and a thread answers the kernel's requests
 * (VDUSE_SET_STATUS, VDUSE_GET_VQ_STATE, VDUSE_UPDATE_IOTLB) with success, as a daemon that accepts
 * everything; the device's map is read with VDUSE_IOTLB_GET_FD, as a daemon reads it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/vduse.h>
#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define VHOST_VIRTIO 0xAF
struct vring_state { unsigned int index; unsigned int num; };
#define VHOST_SET_OWNER _IO(VHOST_VIRTIO, 0x01)
#define VHOST_SET_BACKEND_FEATURES _IOW(VHOST_VIRTIO, 0x25, uint64_t)
#define VHOST_GET_BACKEND_FEATURES _IOR(VHOST_VIRTIO, 0x26, uint64_t)
#define VHOST_VDPA_SET_STATUS _IOW(VHOST_VIRTIO, 0x72, uint8_t)
#define VHOST_VDPA_SET_GROUP_ASID _IOW(VHOST_VIRTIO, 0x7C, struct vring_state)
#define VHOST_VDPA_SUSPEND _IO(VHOST_VIRTIO, 0x7D)
#define VHOST_VDPA_RESUME _IO(VHOST_VIRTIO, 0x7E)
#define VHOST_VDPA_GET_STATUS _IOR(VHOST_VIRTIO, 0x71, uint8_t)
struct vring_addr { unsigned int index, flags; uint64_t desc, used, avail, log; };
struct vring_file { unsigned int index; int fd; };
#define VHOST_SET_VRING_NUM _IOW(VHOST_VIRTIO, 0x10, struct vring_state)
#define VHOST_SET_VRING_ADDR _IOW(VHOST_VIRTIO, 0x11, struct vring_addr)
#define VHOST_SET_VRING_BASE _IOW(VHOST_VIRTIO, 0x12, struct vring_state)
#define VHOST_GET_VRING_BASE _IOWR(VHOST_VIRTIO, 0x12, struct vring_state)
#define VHOST_SET_VRING_KICK _IOW(VHOST_VIRTIO, 0x20, struct vring_file)
#define VHOST_VDPA_SET_VRING_ENABLE _IOW(VHOST_VIRTIO, 0x75, struct vring_state)

struct iotlb_msg { uint64_t iova, size, uaddr; uint8_t perm, type; };
struct msg_v2 { uint32_t type; uint32_t asid; union { struct iotlb_msg iotlb; uint8_t padding[64]; }; };

#define PAGE 4096
#define NH 4
#define POOL 256
static char DEV[96] = "/dev/vhost-vdpa-0";

static int fd = -1;
static int extra[8];
static int nextra;
static int memfd = -1;
static char *base; /* h0..h3 at base + i*PAGE, a private anonymous guard page above */
static FILE *out;
static int freed[NH];
static int va_mode;

/* ---- the device probe's rings (see the top) ---- */
#define QN 8              /* queue size */
#define RXBUF 0x800       /* RX buffer offset in the probed IOVA page, and TX packet offset in R */
#define RXLEN 128
#define NETHDR 10         /* struct virtio_net_hdr: no VIRTIO_F_VERSION_1 negotiated */
struct vdesc { uint64_t addr; uint32_t len; uint16_t flags, next; };
static char *ring;        /* R: rx desc 0x000, avail 0x100, used 0x200; tx at +0x400 */
static int ringfd = -1;
static uint64_t ring_iova;
static int kickfd[2] = { -1, -1 };
static int rings_set;
static uint64_t probe_seq;

static void reply(const char *s) { fputs(s, out); fputc('\n', out); fflush(out); }

static void vmstat(long *acq, long *rel) {
  char line[128];
  /* node counters keep per-cpu deltas below a threshold: fold them first (vmstat_refresh) */
  int sr = open("/proc/sys/vm/stat_refresh", O_WRONLY);
  if (sr >= 0) { if (write(sr, "1", 1) < 0) { /* counters stay approximate */ } close(sr); }
  FILE *f = fopen("/proc/vmstat", "r");
  *acq = *rel = 0;
  if (!f) return;
  while (fgets(line, sizeof line, f)) {
    if (!strncmp(line, "nr_foll_pin_acquired ", 21)) *acq = atol(line + 21);
    else if (!strncmp(line, "nr_foll_pin_released ", 21)) *rel = atol(line + 21);
  }
  fclose(f);
}

static int pm = -1;
static uint64_t pfn_of(void *va) {
  uint64_t e = 0;
  if (pm < 0) pm = open("/proc/self/pagemap", O_RDONLY);
  if (pm < 0) return 0;
  if (pread(pm, &e, 8, ((uintptr_t)va / PAGE) * 8) != 8) e = 0;
  return (e >> 63) ? (e & ((1ULL << 55) - 1)) : 0;
}

static void close_all(void) {
  rings_set = 0;
  if (fd >= 0) close(fd);
  fd = -1;
  for (int i = 0; i < nextra; i++) close(extra[i]);
  nextra = 0;
}

static void drop_pages(void) {
  if (ring) munmap(ring, PAGE);
  ring = NULL;
  if (ringfd >= 0) close(ringfd);
  ringfd = -1;
  if (base) munmap(base, (NH + 1) * PAGE);
  base = NULL;
  if (memfd >= 0) close(memfd);
  memfd = -1;
}

/* h0,h1 physically contiguous; h2 not after h1, h3 not after h2 (the model's HOST_PFN layout). */
static uint64_t pfn_of(void *va);
static int build_ring(int va) {
  ringfd = memfd_create("lab-ring", 0);
  if (ringfd < 0 || ftruncate(ringfd, PAGE) < 0) return -errno;
  ring = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, ringfd, 0);
  if (ring == MAP_FAILED) { ring = NULL; return -errno; }
  memset(ring, 0, PAGE);
  mlock(ring, PAGE); /* its physical address is the ring IOVA in PA mode: keep it where it is */
  ring_iova = va ? (uintptr_t)ring : pfn_of(ring) * PAGE;
  for (int q = 0; q < 2; q++) if (kickfd[q] < 0) kickfd[q] = eventfd(0, EFD_CLOEXEC);
  return ring_iova ? 0 : -EIO;
}

static int build_pages(int va, uint64_t pfns[NH]) {
  va_mode = va;
  memset(freed, 0, sizeof freed);
  int rr = build_ring(va);
  if (rr < 0) return rr;
  memfd = memfd_create("lab-host-pages", 0);
  if (memfd < 0) return -errno;
  base = mmap(NULL, (NH + 1) * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (base == MAP_FAILED) { base = NULL; return -errno; }
  memset(base + NH * PAGE, 0, PAGE);
  if (va) {
    /* one VMA over file pages 0..3: vhost_vdpa_va_map maps it as one entry */
    if (ftruncate(memfd, NH * PAGE) < 0) return -errno;
    if (mmap(base, NH * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, memfd, 0) == MAP_FAILED) return -errno;
    for (int i = 0; i < NH; i++) { base[i * PAGE] = (char)i; pfns[i] = pfn_of(base + i * PAGE); }
    return 0;
  }
  if (ftruncate(memfd, POOL * PAGE) < 0) return -errno;
  char *pool = mmap(NULL, POOL * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
  if (pool == MAP_FAILED) return -errno;
  static uint64_t pf[POOL];
  for (int i = 0; i < POOL; i++) { pool[i * PAGE] = 1; pf[i] = pfn_of(pool + i * PAGE); }
  munmap(pool, POOL * PAGE);
  int pick[NH] = { -1, -1, -1, -1 };
  for (int i = 0; i < POOL && pick[0] < 0; i++)
    for (int j = 0; j < POOL; j++)
      if (pf[i] && pf[j] == pf[i] + 1) { pick[0] = i; pick[1] = j; break; }
  if (pick[0] < 0) return -ENOMEM;
  for (int k = 0; k < POOL && pick[3] < 0; k++) {
    if (k == pick[0] || k == pick[1] || !pf[k] || pf[k] == pf[pick[1]] + 1) continue;
    for (int l = 0; l < POOL; l++) {
      if (l == pick[0] || l == pick[1] || l == k || !pf[l] || pf[l] == pf[k] + 1) continue;
      pick[2] = k; pick[3] = l; break;
    }
  }
  if (pick[3] < 0) return -ENOMEM;
  for (int i = 0; i < NH; i++) {
    if (mmap(base + i * PAGE, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, memfd, (off_t)pick[i] * PAGE) == MAP_FAILED) return -errno;
    base[i * PAGE] = (char)i; /* fault it in: pagemap shows present pages only */
    pfns[i] = pfn_of(base + i * PAGE);
    if (pfns[i] != pf[pick[i]]) return -EAGAIN; /* the page moved since the pool was read */
  }
  return 0;
}

static int sh(const char *cmd) { int r = system(cmd); return r == 0 ? 0 : -EIO; }

/* ---- the VDUSE device and its daemon ---- */
static int vdfd = -1;
static volatile int daemon_stop;
static pthread_t daemon_thread;
static int daemon_running;

static void *daemon_fn(void *arg) {
  (void)arg;
  struct pollfd pf = { vdfd, POLLIN, 0 };
  while (!daemon_stop) {
    if (poll(&pf, 1, 50) <= 0) continue;
    struct vduse_dev_request req;
    if (read(vdfd, &req, sizeof req) != (ssize_t)sizeof req) continue;
    struct vduse_dev_response resp;
    memset(&resp, 0, sizeof resp);
    resp.request_id = req.request_id;
    resp.result = VDUSE_REQ_RESULT_OK;
    if (req.type == VDUSE_GET_VQ_STATE) resp.vq_state.index = req.vq_state.index; /* avail index 0 */
    if (write(vdfd, &resp, sizeof resp) < 0) { /* the kernel gave up waiting: nothing to do */ }
  }
  return NULL;
}

static int vduse_kind;

/* The device goes with its daemon; the module stays unless `unload` (a parent change). */
static void vduse_down_dev(int unload) {
  sh("vdpa dev del vduse0 2>/dev/null");
  if (daemon_running) { daemon_stop = 1; pthread_join(daemon_thread, NULL); daemon_running = 0; }
  if (vdfd >= 0) close(vdfd);
  vdfd = -1;
  int c = open("/dev/vduse/control", O_RDWR);
  if (c >= 0) { char name[VDUSE_NAME_MAX] = "vduse0"; ioctl(c, VDUSE_DESTROY_DEV, name); close(c); }
  if (unload) sh("rmmod vduse 2>/dev/null");
}
static void vduse_down(void) { vduse_down_dev(1); vduse_kind = 0; }

/* The vhost-vdpa char device of vdpa device NAME (/sys/bus/vdpa/devices/NAME/vhost-vdpa-N). */
static int find_vhost(const char *name) {
  char cmd[256], line[64];
  snprintf(cmd, sizeof cmd, "ls /sys/bus/vdpa/devices/%s/ 2>/dev/null | grep '^vhost-vdpa-'", name);
  for (int i = 0; i < 200; i++) {
    FILE *p = popen(cmd, "r");
    if (p) {
      int got = fgets(line, sizeof line, p) != NULL;
      pclose(p);
      if (got) {
        line[strcspn(line, "\n")] = 0;
        snprintf(DEV, sizeof DEV, "/dev/%s", line);
        for (int j = 0; j < 2000 && access(DEV, F_OK) != 0; j++) usleep(1000);
        return access(DEV, F_OK) == 0 ? 0 : -ENOENT;
      }
    }
    usleep(10000);
  }
  return -ENOENT;
}

static int vduse_up(void) {
  if (sh("insmod /lab/vduse.ko 2>/dev/null || grep -q '^vduse ' /proc/modules")) return -EIO;
  for (int i = 0; i < 2000 && access("/dev/vduse/control", F_OK) != 0; i++) usleep(1000);
  int c = open("/dev/vduse/control", O_RDWR);
  if (c < 0) return -errno;
  uint64_t api = 0;
  ioctl(c, VDUSE_SET_API_VERSION, &api);
  struct { struct vduse_dev_config c; uint8_t cfg[64]; } conf;
  memset(&conf, 0, sizeof conf);
  strcpy(conf.c.name, "vduse0");
  /* 6.12 allows virtio-net (VERSION_1 required, no CTRL_VQ); 6.1's vduse allows virtio-blk only */
  conf.c.device_id = access("/lab/has_use_va", F_OK) == 0 ? 1 : 2;
  conf.c.features = (1ULL << 32) | (1ULL << 33); /* VIRTIO_F_VERSION_1, VIRTIO_F_ACCESS_PLATFORM */
  conf.c.vq_num = 2;
  conf.c.vq_align = 4096;
  conf.c.config_size = conf.c.device_id == 1 ? 12 : 60; /* virtio_net_config / virtio_blk_config prefix, zeros */
  int r = ioctl(c, VDUSE_CREATE_DEV, &conf) < 0 ? -errno : 0;
  close(c);
  if (r < 0) return r;
  for (int i = 0; i < 2000 && access("/dev/vduse/vduse0", F_OK) != 0; i++) usleep(1000);
  vdfd = open("/dev/vduse/vduse0", O_RDWR);
  if (vdfd < 0) return -errno;
  for (unsigned q = 0; q < 2; q++) {
    struct vduse_vq_config vq;
    memset(&vq, 0, sizeof vq);
    vq.index = q;
    vq.max_size = 256;
    if (ioctl(vdfd, VDUSE_VQ_SETUP, &vq) < 0) return -errno;
  }
  daemon_stop = 0;
  if (pthread_create(&daemon_thread, NULL, daemon_fn, NULL) != 0) return -EAGAIN;
  daemon_running = 1;
  if (sh("vdpa dev add mgmtdev vduse name vduse0")) return -EIO;
  return find_vhost("vduse0");
}

/* The device's map of IOVA page p as its daemon reads it (VDUSE_IOTLB_GET_FD). */
static int vduse_page(unsigned p) {
  if (vdfd < 0) return -4;
  struct vduse_iotlb_entry e;
  memset(&e, 0, sizeof e);
  e.start = (uint64_t)p * PAGE;
  e.last = e.start + PAGE - 1;
  int f = ioctl(vdfd, VDUSE_IOTLB_GET_FD, &e);
  if (f < 0) return -1;
  struct stat a, b;
  int h = -3;
  if (memfd >= 0 && fstat(f, &a) == 0 && fstat(memfd, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev)
    h = (int)((e.offset + (uint64_t)p * PAGE - e.start) / PAGE);
  close(f);
  return h;
}

/*
 * Empties the VDUSE domain the way the kernel does: an UPDATE then an INVALIDATE of one page above the
 * model's IOVAs through vhost-vdpa (each a vduse_vdpa_set_map with vhost's iotlb: empty at the end),
 * then close (reset). Non-zero if the domain is not empty after (the caller re-creates the device).
 */
static int iotlb_msg(uint8_t type, uint32_t asid, uint64_t iova, uint64_t size, void *uaddr);
static int vduse_clear(void) {
  int dirty = 0;
  for (unsigned p = 0; p < NH; p++) if (vduse_page(p) != -1) dirty = 1;
  if (!dirty) return 0;
  fd = open(DEV, O_RDWR);
  if (fd < 0) { fd = -1; return -1; }
  if (ioctl(fd, VHOST_SET_OWNER, 0) == 0 && iotlb_msg(2, 0, 0x100000, PAGE, ring) == 0) iotlb_msg(3, 0, 0x100000, PAGE, NULL);
  close(fd);
  fd = -1;
  for (unsigned p = 0; p < NH; p++) if (vduse_page(p) != -1) return -1;
  return 0;
}

static int configure(int bm, int va, int kind, uint64_t *offered) {
  char cmd[512];
  close_all();
  vduse_down();
  sh("vdpa dev del vdpa0 2>/dev/null; rmmod vdpa_sim_net 2>/dev/null; rmmod vdpa_sim 2>/dev/null");
  if (kind == 1) {
    int r = vduse_up();
    if (r < 0) return r;
    vduse_kind = 1;
  } else {
    snprintf(cmd, sizeof cmd, "insmod /lab/vdpa_sim.ko batch_mapping=%d %s && insmod /lab/vdpa_sim_net.ko && vdpa dev add mgmtdev vdpasim_net name vdpa0",
             bm, access("/lab/has_use_va", F_OK) == 0 ? (va ? "use_va=1" : "use_va=0") : "");
    if (sh(cmd)) return -EIO;
    int r = find_vhost("vdpa0");
    if (r < 0) return r;
  }
  int f = open(DEV, O_RDWR);
  if (f < 0) return -errno;
  int r = ioctl(f, VHOST_GET_BACKEND_FEATURES, offered) < 0 ? -errno : 0;
  close(f);
  return r;
}

/* RX (0) and TX (1) get rings in R before DRIVER_OK (vhost_vdpa refuses SET_VRING_ADDR after it,
 * unless suspended). Not a call of the model's: failures only leave the probe without rings. */
static void set_rings(void) {
  rings_set = 0;
  if (fd < 0 || !ring) return;
  for (int q = 0; q < 2; q++) {
    struct vring_state n = { (unsigned)q, QN };
    uint64_t b = ring_iova + (uint64_t)q * 0x400;
    struct vring_addr a = { (unsigned)q, 0, b, b + 0x200, b + 0x100, 0 };
    struct vring_file k = { (unsigned)q, kickfd[q] };
    struct vring_state e = { (unsigned)q, 1 };
    if (ioctl(fd, VHOST_SET_VRING_NUM, &n) < 0 || ioctl(fd, VHOST_SET_VRING_ADDR, &a) < 0 ||
        ioctl(fd, VHOST_SET_VRING_KICK, &k) < 0 || ioctl(fd, VHOST_VDPA_SET_VRING_ENABLE, &e) < 0) return;
  }
  rings_set = 1;
}

static int iotlb_msg(uint8_t type, uint32_t asid, uint64_t iova, uint64_t size, void *uaddr) {
  struct msg_v2 m;
  memset(&m, 0, sizeof m);
  m.type = 2; /* VHOST_IOTLB_MSG_V2 */
  m.asid = asid;
  m.iotlb.type = type;
  m.iotlb.iova = iova;
  m.iotlb.size = size;
  m.iotlb.uaddr = (uintptr_t)uaddr;
  m.iotlb.perm = 3; /* VHOST_ACCESS_RW */
  return write(fd, &m, sizeof m) < 0 ? -errno : 0;
}

static unsigned vq_base(int q) {
  struct vring_state s = { (unsigned)q, 0 };
  return ioctl(fd, VHOST_GET_VRING_BASE, &s) < 0 ? 0xffffffffu : s.num;
}

static void msleep(int ms) { struct timespec t = { 0, ms * 1000000L }; nanosleep(&t, NULL); }

#define USED_SENTINEL 0xbeef
static int probe(unsigned page, int map, unsigned asid, int *err) {
  *err = 0;
  if (!rings_set || fd < 0) return -4;
  if (map) { int r = iotlb_msg(2, asid, ring_iova, PAGE, ring); if (r < 0) { *err = -r; return -5; } }
  char tag[16];
  snprintf(tag, sizeof tag, "VDPAMC%08llx", (unsigned long long)++probe_seq);
  for (int h = 0; h < NH; h++) if (!freed[h]) memset(base + h * PAGE + RXBUF, 0, RXLEN);
  unsigned la[2] = { vq_base(0), vq_base(1) };
  /* the packet: a zero virtio_net_hdr, a broadcast Ethernet header (receive_filter passes it), the tag */
  unsigned char *pkt = (unsigned char *)ring + RXBUF;
  memset(pkt, 0, 128);
  memset(pkt + NETHDR, 0xff, 6);
  pkt[NETHDR + 6] = 0x02;
  pkt[NETHDR + 12] = 0x88; pkt[NETHDR + 13] = 0xb5;
  memcpy(pkt + NETHDR + 14, tag, 16);
  for (int q = 0; q < 2; q++) {
    char *b = ring + q * 0x400;
    struct vdesc *d = (struct vdesc *)b;
    uint16_t *avail = (uint16_t *)(b + 0x100), *used = (uint16_t *)(b + 0x200);
    unsigned slot = la[q] % QN;
    d[slot].addr = q == 0 ? (uint64_t)page * PAGE + RXBUF : ring_iova + RXBUF;
    d[slot].len = q == 0 ? RXLEN : NETHDR + 14 + 16;
    d[slot].flags = q == 0 ? 2 /* VRING_DESC_F_WRITE */ : 0;
    d[slot].next = 0;
    avail[0] = 0;
    avail[2 + slot] = (uint16_t)slot;
    used[0] = 0; used[1] = USED_SENTINEL;
    __sync_synchronize();
    avail[1] = (uint16_t)(la[q] + 1);
  }
  __sync_synchronize();
  uint64_t one = 1;
  if (write(kickfd[1], &one, 8) < 0) { *err = errno; }
  volatile uint16_t *rxused = (volatile uint16_t *)(ring + 0x200);
  int outcome = -3;
  for (int i = 0; i < 2000; i++) {
    if (rxused[1] != USED_SENTINEL) { outcome = -2; break; }
    if (i % 5 == 4 && vq_base(1) != la[1]) {
      /* TX taken: the work holds the device's lock until it is done with RX; GET_STATUS waits for it */
      uint8_t st; ioctl(fd, VHOST_VDPA_GET_STATUS, &st);
      __sync_synchronize();
      outcome = rxused[1] != USED_SENTINEL ? -2 : -1;
      break;
    }
    msleep(1);
  }
  if (outcome == -2)
    for (int h = 0; h < NH; h++)
      if (!freed[h] && memmem(base + h * PAGE + RXBUF, RXLEN, tag, 16) != NULL) { outcome = h; break; }
  if (map) { int r = iotlb_msg(3, asid, ring_iova, PAGE, NULL); if (r < 0 && !*err) *err = -r; }
  return outcome;
}

static int run(char op, const char *args) {
  unsigned long long a[5] = { 0 };
  sscanf(args, "%llu %llu %llu %llu %llu", &a[0], &a[1], &a[2], &a[3], &a[4]);
  int r;
  switch (op) {
  case 'o': {
    int f = open(DEV, O_RDWR);
    if (f < 0) return -errno;
    if (fd < 0) fd = f; else if (nextra < 8) extra[nextra++] = f; else close(f);
    return 0;
  }
  case 'c': r = close(fd); fd = -1; rings_set = 0; return r < 0 ? -errno : 0;
  case 'w': return ioctl(fd, VHOST_SET_OWNER, 0) < 0 ? -errno : 0;
  case 'b': { uint64_t f = a[0]; return ioctl(fd, VHOST_SET_BACKEND_FEATURES, &f) < 0 ? -errno : 0; }
  case 's': {
    uint8_t s = (uint8_t)a[0], now = 0;
    if ((s & 4) && fd >= 0 && (ioctl(fd, VHOST_VDPA_GET_STATUS, &now) < 0 || !(now & 4))) set_rings();
    if (s == 0) rings_set = 0; /* a reset clears the queues (vdpasim_vq_reset) */
    return ioctl(fd, VHOST_VDPA_SET_STATUS, &s) < 0 ? -errno : 0;
  }
  case 'u': return ioctl(fd, VHOST_VDPA_SUSPEND, 0) < 0 ? -errno : 0;
  case 'r': return ioctl(fd, VHOST_VDPA_RESUME, 0) < 0 ? -errno : 0;
  case 'g': { struct vring_state s = { (unsigned)a[0], (unsigned)a[1] }; return ioctl(fd, VHOST_VDPA_SET_GROUP_ASID, &s) < 0 ? -errno : 0; }
  case 'A': {
    /* the model keeps no ring address: the probe's own layout (queues 0, 1), else a free part of R */
    uint64_t b = ring_iova + (a[0] < 2 ? a[0] * 0x400 : 0xc00);
    struct vring_addr va = { (unsigned)a[0], 0, b, b + 0x200, b + 0x100, 0 };
    return ioctl(fd, VHOST_SET_VRING_ADDR, &va) < 0 ? -errno : 0;
  }
  case 'B': { struct vring_state s = { (unsigned)a[0], 0 }; return ioctl(fd, VHOST_SET_VRING_BASE, &s) < 0 ? -errno : 0; }
  case 'e': { struct vring_state s = { (unsigned)a[0], (unsigned)a[1] }; return ioctl(fd, VHOST_VDPA_SET_VRING_ENABLE, &s) < 0 ? -errno : 0; }
  case 'm': return iotlb_msg((uint8_t)a[0], (uint32_t)a[1], a[2], a[3], base + a[4] * PAGE);
  case 'f': if (munmap(base + a[0] * PAGE, PAGE) < 0) return -errno; if (a[0] < NH) freed[a[0]] = 1; return 0;
  default: return -ENOSYS;
  }
}

int main(int argc, char **argv) {
  const char *tty = argc > 1 ? argv[1] : "/dev/ttyS1";
  int t = open(tty, O_RDWR | O_NOCTTY);
  if (t < 0) { perror(tty); return 1; }
  struct termios tio;
  if (tcgetattr(t, &tio) == 0) { cfmakeraw(&tio); cfsetspeed(&tio, B115200); tcsetattr(t, TCSANOW, &tio); }
  tcflush(t, TCIOFLUSH); /* nothing typed before raw mode counts: the host sends only after READY */
  FILE *in = fdopen(t, "r");
  out = fdopen(dup(t), "w");
  char line[512], buf[256];
  reply("READY");
  while (fgets(line, sizeof line, in)) {
    char op = line[0];
    if (op == '\n' || op == '\r' || op == 0) continue;
    const char *args = line + 1;
    if (op == 'P') {
      int bm = 0, va = 0, kind = 0; uint64_t off = 0;
      sscanf(args, "%d %d %d", &bm, &va, &kind);
      drop_pages();
      int r = configure(bm, va, kind, &off);
      snprintf(buf, sizeof buf, "P %d %llu", r, (unsigned long long)off);
      reply(buf);
    } else if (op == 'N') {
      int va = 0; uint64_t p[NH] = { 0 };
      sscanf(args, "%d", &va);
      close_all();
      drop_pages();
      int r = 0;
      /* VDUSE keeps its maps (and their file references) across close: a new trace gets a new device,
       * as the model's initial world has an empty domain */
      if (r == 0) r = build_pages(va, p);
      if (r == 0 && vduse_kind && vduse_clear() != 0) { vduse_down_dev(0); r = vduse_up(); }
      snprintf(buf, sizeof buf, "N %d %llu %llu %llu %llu", r, (unsigned long long)p[0], (unsigned long long)p[1],
               (unsigned long long)p[2], (unsigned long long)p[3]);
      reply(buf);
    } else if (op == 'd') {
      unsigned pg = 0, mp = 0, as = 0; int err = 0;
      sscanf(args, "%u %u %u", &pg, &mp, &as);
      int o = probe(pg, mp != 0, as, &err);
      snprintf(buf, sizeof buf, "D %d %d", o, err);
      reply(buf);
    } else if (op == 'v') {
      snprintf(buf, sizeof buf, "V %d %d %d %d", vduse_page(0), vduse_page(1), vduse_page(2), vduse_page(3));
      reply(buf);
    } else if (op == 'q') {
      reply("Q");
      close_all();
      sync();
      reboot(RB_POWER_OFF);
    } else {
      long a0, r0, a1, r1;
      vmstat(&a0, &r0);
      int r = run(op, args);
      vmstat(&a1, &r1);
      snprintf(buf, sizeof buf, "R %d %ld %ld", r, a1 - a0, r1 - r0);
      reply(buf);
    }
  }
  return 0;
}
