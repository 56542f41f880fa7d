/*
 * The lab's guest agent (static, PID 1's child): reads one command per line on the second serial
 * port (/dev/ttyS1), runs it against /dev/vhost-vdpa-0 and answers one line per command.
 * The host side is lab/guest.ts; the protocol and every model <-> kernel mapping is in lab/MAPPING.md.
 *
 *   P bm va          reload vdpa_sim with batch_mapping=bm (use_va=va where the module has it),
 *                    re-create vdpa0                     -> "P <ret> <backend features offered>"
 *   N va             new trace: close fds, unmap and rebuild the host pages h0..h3
 *                    (va=0: per-page memfd pages with known physical layout; va=1: one shared mapping)
 *                                                       -> "N <ret> <pfn h0> <pfn h1> <pfn h2> <pfn h3>"
 *   o | c | w        open / close / VHOST_SET_OWNER
 *   b F | s S        VHOST_SET_BACKEND_FEATURES F (kernel bit mask) / VHOST_VDPA_SET_STATUS S
 *   u | r            VHOST_VDPA_SUSPEND / VHOST_VDPA_RESUME (argument 0, as for every _IO ioctl here)
 *   g G A            VHOST_VDPA_SET_GROUP_ASID group G asid A
 *   m T A I S H      write(vhost_msg_v2 { type MSG_V2, asid A, iotlb { iova I, size S,
 *                    uaddr = &h[H], perm RW, type T } })
 *   f H              munmap h[H]
 *   q                power off
 * Every step answers "R <0 or -errno> <nr_foll_pin_acquired delta> <nr_foll_pin_released delta>".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

struct iotlb_msg { uint64_t iova, size, uaddr; uint8_t perm, type; };
struct msg_v2 { uint32_t type; uint32_t asid; union { struct iotlb_msg iotlb; uint8_t padding[64]; }; };

#define PAGE 4096
#define NH 4
#define POOL 256
#define DEV "/dev/vhost-vdpa-0"

static int fd = -1;
static int extra[8];
static int nextra;
static int memfd = -1;
static char *base; /* h0..h3 at base + i*PAGE, a private anonymous guard page above */
static FILE *out;

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
  if (fd >= 0) close(fd);
  fd = -1;
  for (int i = 0; i < nextra; i++) close(extra[i]);
  nextra = 0;
}

static void drop_pages(void) {
  if (base) munmap(base, (NH + 1) * PAGE);
  base = NULL;
  if (memfd >= 0) close(memfd);
  memfd = -1;
}

/* h0,h1 physically contiguous; h2 not after h1, h3 not after h2 (the model's HOST_PFN layout). */
static int build_pages(int va, uint64_t pfns[NH]) {
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

static int configure(int bm, int va, uint64_t *offered) {
  char cmd[512];
  close_all();
  sh("vdpa dev del vdpa0 2>/dev/null; rmmod vdpa_sim_net 2>/dev/null; rmmod vdpa_sim 2>/dev/null");
  snprintf(cmd, sizeof cmd, "insmod /lab/vdpa_sim.ko batch_mapping=%d %s && insmod /lab/vdpa_sim_net.ko && vdpa dev add mgmtdev vdpasim_net name vdpa0",
           bm, access("/lab/has_use_va", F_OK) == 0 ? (va ? "use_va=1" : "use_va=0") : "");
  if (sh(cmd)) return -EIO;
  for (int i = 0; i < 2000 && access(DEV, F_OK) != 0; i++) usleep(1000);
  int f = open(DEV, O_RDWR);
  if (f < 0) return -errno;
  int r = ioctl(f, VHOST_GET_BACKEND_FEATURES, offered) < 0 ? -errno : 0;
  close(f);
  return r;
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
  case 'c': r = close(fd); fd = -1; return r < 0 ? -errno : 0;
  case 'w': return ioctl(fd, VHOST_SET_OWNER, 0) < 0 ? -errno : 0;
  case 'b': { uint64_t f = a[0]; return ioctl(fd, VHOST_SET_BACKEND_FEATURES, &f) < 0 ? -errno : 0; }
  case 's': { uint8_t s = (uint8_t)a[0]; return ioctl(fd, VHOST_VDPA_SET_STATUS, &s) < 0 ? -errno : 0; }
  case 'u': return ioctl(fd, VHOST_VDPA_SUSPEND, 0) < 0 ? -errno : 0;
  case 'r': return ioctl(fd, VHOST_VDPA_RESUME, 0) < 0 ? -errno : 0;
  case 'g': { struct vring_state s = { (unsigned)a[0], (unsigned)a[1] }; return ioctl(fd, VHOST_VDPA_SET_GROUP_ASID, &s) < 0 ? -errno : 0; }
  case 'm': {
    struct msg_v2 m;
    memset(&m, 0, sizeof m);
    m.type = 2; /* VHOST_IOTLB_MSG_V2 */
    m.asid = (uint32_t)a[1];
    m.iotlb.type = (uint8_t)a[0];
    m.iotlb.iova = a[2];
    m.iotlb.size = a[3];
    m.iotlb.uaddr = (uintptr_t)(base + a[4] * PAGE);
    m.iotlb.perm = 3; /* VHOST_ACCESS_RW */
    ssize_t n = write(fd, &m, sizeof m);
    return n < 0 ? -errno : 0;
  }
  case 'f': return munmap(base + a[0] * PAGE, PAGE) < 0 ? -errno : 0;
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
      int bm = 0, va = 0; uint64_t off = 0;
      sscanf(args, "%d %d", &bm, &va);
      drop_pages();
      int r = configure(bm, va, &off);
      snprintf(buf, sizeof buf, "P %d %llu", r, (unsigned long long)off);
      reply(buf);
    } else if (op == 'N') {
      int va = 0; uint64_t p[NH] = { 0 };
      sscanf(args, "%d", &va);
      close_all();
      drop_pages();
      int r = build_pages(va, p);
      snprintf(buf, sizeof buf, "N %d %llu %llu %llu %llu", r, (unsigned long long)p[0], (unsigned long long)p[1],
               (unsigned long long)p[2], (unsigned long long)p[3]);
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
