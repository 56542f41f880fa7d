#!/usr/bin/env bash
# Builds the kernel lab (lab/MAPPING.md): Debian's Linux 6.12 and 6.1 as uncompressed vmlinux, the
# vDPA modules Debian does not ship built out of tree against its headers, the static guest agent
# and one initramfs per kernel, into a cache folder keyed by the package versions and these sources.
# Prints the manifest's path on the last line. Exit 2, with one line, where it cannot (no root, no apt).
#
#   bash lab/build.sh            build what is missing (a no-op once built)
#   VDPA_MC_LAB_CACHE=DIR        cache root (default ~/.cache/vdpa-mc-lab)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
LAB=$(pwd)
CACHE_ROOT=${VDPA_MC_LAB_CACHE:-${HOME:-/root}/.cache/vdpa-mc-lab}

die() { echo "lab/build.sh: $*" >&2; exit 2; }
log() { echo "lab: $*" >&2; }

# ---- which packages: the newest linux-source-X and the image of the same version ----
if ! command -v apt-cache >/dev/null || ! command -v dpkg-query >/dev/null; then
  die "needs Debian's apt (apt-cache, dpkg) to install the kernels; not found"
fi
candidate() { apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ { print $2 }'; }
# unpacked is enough (a kernel's postinst only makes the host's own initramfs, which the lab does not use)
installed() { { dpkg-query -W -f='${Status} ${Version}\n' "$1" 2>/dev/null || true; } | awk '$3 ~ /^(installed|unpacked|half-configured|triggers-awaited|triggers-pending)$/ { print $4 }'; }

SRC612_V=$(installed linux-source-6.12); [ -n "$SRC612_V" ] || SRC612_V=$(candidate linux-source-6.12)
SRC61_V=$(installed linux-source-6.1); [ -n "$SRC61_V" ] || SRC61_V=$(candidate linux-source-6.1)
if [ -z "$SRC612_V" ] || [ "$SRC612_V" = "(none)" ] || [ -z "$SRC61_V" ] || [ "$SRC61_V" = "(none)" ]; then
  if [ "$(id -u)" = 0 ]; then apt-get update -qq >/dev/null 2>&1 || true; fi
  SRC612_V=$(candidate linux-source-6.12); SRC61_V=$(candidate linux-source-6.1)
  [ -n "$SRC612_V" ] && [ "$SRC612_V" != "(none)" ] || die "apt knows no linux-source-6.12 (bookworm-security in the sources?)"
  [ -n "$SRC61_V" ] && [ "$SRC61_V" != "(none)" ] || die "apt knows no linux-source-6.1"
fi
# 6.12.117-1~deb12u1 -> ABI 6.12.117+deb12
REL612="$(echo "$SRC612_V" | sed -E 's/^([0-9]+\.[0-9]+\.[0-9]+)-.*/\1/')+deb12-amd64"
# 6.1: the 6.1.0-N-amd64 image whose version is that of linux-source-6.1
REL61=""
for p in $(apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-amd64-unsigned$' 2>/dev/null | awk '{ print $1 }' | sort -V -r); do
  v=$(apt-cache show "$p" 2>/dev/null | awk '/^Version:/ { print $2; exit }')
  if [ "$v" = "$SRC61_V" ]; then REL61=${p#linux-image-}; REL61=${REL61%-unsigned}; break; fi
done
[ -n "$REL61" ] || die "no linux-image-6.1.0-*-amd64-unsigned of version $SRC61_V (that of linux-source-6.1)"

PKGS=(qemu-system-x86 busybox-static iproute2 xz-utils zstd cpio gcc make libc6-dev
  "linux-image-$REL612-unsigned" "linux-headers-$REL612" "linux-source-6.12=$SRC612_V"
  "linux-image-$REL61-unsigned" "linux-headers-$REL61" "linux-source-6.1=$SRC61_V")
missing=()
for p in "${PKGS[@]}"; do
  name=${p%%=*}
  [ -n "$(installed "$name")" ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || die "needs root to install ${missing[*]} (run: sudo bash lab/build.sh)"
  log "installing ${missing[*]}"
  # no initramfs for the host: the lab builds its own (and update-initramfs takes minutes)
  export DEBIAN_FRONTEND=noninteractive INITRD=No
  apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 || die "apt-get install failed: ${missing[*]}"
fi

KEY=$( (for p in "${PKGS[@]}"; do echo "$p $(installed "${p%%=*}")"; done; cat "$LAB/build.sh" "$LAB/agent.c" "$LAB/init.sh") | sha256sum | cut -c1-16)
OUT=$CACHE_ROOT/$KEY
if [ -f "$OUT/lab.json" ]; then
  ln -sfn "$KEY" "$CACHE_ROOT/current"
  echo "$OUT/lab.json"
  exit 0
fi
log "building into $OUT"
rm -rf "$OUT.tmp"
mkdir -p "$OUT.tmp"
W=$OUT.tmp/work
mkdir -p "$W"

# ---- the agent ----
gcc -static -O2 -Wall -pthread -o "$W/agent" "$LAB/agent.c"

# ---- uncompressed vmlinux (what boots fastest under TCG: no decompressor) ----
extract_vmlinux() { # image out
  local img=$1 out=$2 magic tool pos
  for spec in '28b52ffd:zstd -dcq' 'fd377a585a00:xz -dcq' '1f8b0800:gzip -dcq'; do
    magic=${spec%%:*}; tool=${spec#*:}
    for pos in $(od -A d -v -t x1 "$img" | sed -E 's/^[0-9]+ //' | tr -d ' \n' | grep -ob "$magic" | cut -d: -f1); do
      [ $((pos % 2)) = 0 ] || continue
      tail -c +$((pos / 2 + 1)) "$img" | $tool > "$out" 2>/dev/null || true
      if [ "$(head -c 4 "$out" | od -A n -t x1 | tr -d ' ')" = 7f454c46 ]; then return 0; fi
    done
  done
  return 1
}

# ---- out-of-tree modules from Debian's own source, built against its headers ----
build_modules() { # ver rel tarball dir "mods"
  local ver=$1 rel=$2 tarball=$3 dir=$4 mods=$5 top="linux-source-$1"
  local src=$W/src-$ver
  mkdir -p "$src" "$dir"
  tar -C "$src" -xJf "$tarball" --wildcards "$top/drivers/vdpa/vdpa.c" "$top/drivers/vdpa/vdpa_sim/*" \
    "$top/drivers/vdpa/vdpa_user/*" "$top/drivers/vhost/vringh.c" "$top/drivers/vhost/vdpa.c" "$top/drivers/vhost/vhost.h"
  local k=$src/kbuild
  mkdir -p "$k"
  cp "$src/$top/drivers/vdpa/vdpa_sim/"vdpa_sim{.c,.h,_net.c} "$src/$top/drivers/vhost/vringh.c" "$k/"
  cp "$src/$top/drivers/vdpa/vdpa_user/"{vduse_dev.c,iova_domain.c,iova_domain.h} "$k/"
  cp "$src/$top/drivers/vdpa/vdpa.c" "$k/vdpa.c"
  cp "$src/$top/drivers/vhost/vdpa.c" "$k/vhost_vdpa.c"
  cp "$src/$top/drivers/vhost/vhost.h" "$k/vhost.h"
  : > "$k/Kbuild"
  for m in $mods; do echo "obj-m += $m.o" >> "$k/Kbuild"; done
  # VDUSE is two files (drivers/vdpa/vdpa_user/Makefile)
  echo "vduse-y := vduse_dev.o iova_domain.o" >> "$k/Kbuild"
  make -s -C "/lib/modules/$rel/build" M="$k" -j2 modules >&2 || die "module build failed for $rel"
  for m in $mods; do cp "$k/$m.ko" "$dir/"; done
}

# in-tree module → uncompressed .ko (busybox insmod does not decompress)
intree() { # rel name dir
  local f
  f=$(modinfo -k "$1" -n "$2") || die "module $2 not in $1"
  case $f in
    *.xz) xz -dc "$f" > "$3/$2.ko" ;;
    *.zst) zstd -dcq "$f" > "$3/$2.ko" ;;
    *) cp "$f" "$3/$2.ko" ;;
  esac
}

make_initramfs() { # ver rel dir out "load order"
  local ver=$1 rel=$2 dir=$3 out=$4 order=$5
  local r=$W/root-$ver
  mkdir -p "$r"/{bin,sbin,dev,proc,sys,lab,lib64,lib/x86_64-linux-gnu,tmp}
  cp /bin/busybox "$r/bin/busybox"
  cp /usr/sbin/vdpa "$r/sbin/vdpa"
  for l in $(ldd /usr/sbin/vdpa | grep -oE '/[^ ]+'); do cp -L "$l" "$r$l"; done
  cp "$W/agent" "$r/lab/agent"
  cp "$dir"/*.ko "$r/lab/"
  printf '%s\n' "$order" > "$r/lab/load"
  echo "$rel" > "$r/lab/release"
  [ "$ver" = 6.12 ] && touch "$r/lab/has_use_va"
  cp "$LAB/init.sh" "$r/init"
  chmod +x "$r/init" "$r/lab/agent"
  (cd "$r" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) > "$out"
}

T0=$(date +%s)
for ver in 6.12 6.1; do
  # load order (vdpa_sim and vdpa_sim_net, or vduse, are loaded by the agent, with the parent's parameters);
  # 6.12's vhost_vdpa gets max_iotlb_entries=3, the model's scaled limit (6.1's has no limit)
  # 6.12 ships vduse (CONFIG_VDPA_USER=m); 6.1 has no CONFIG_VDPA, so vduse is built with vdpa (6.1's
  # vduse accepts virtio-blk only: lab/agent.c)
  if [ "$ver" = 6.12 ]; then rel=$REL612; intree_mods="irqbypass vhost_iotlb vhost vdpa vhost_vdpa vduse"; oot="vringh vdpa_sim vdpa_sim_net"
    order=$'irqbypass\nvhost_iotlb\nvhost\nvdpa\nvhost_vdpa max_iotlb_entries=3\nvringh'
  else rel=$REL61; intree_mods="irqbypass vhost_iotlb vhost"; oot="vringh vdpa vhost_vdpa vdpa_sim vdpa_sim_net vduse"
    order=$'irqbypass\nvhost_iotlb\nvhost\nvdpa\nvhost_vdpa\nvringh'
  fi
  d=$OUT.tmp/$ver
  mkdir -p "$d/mods"
  log "$ver ($rel): vmlinux"
  extract_vmlinux "/boot/vmlinuz-$rel" "$d/vmlinux" || die "cannot extract vmlinux from /boot/vmlinuz-$rel"
  log "$ver: modules ($oot) out of tree"
  build_modules "$ver" "$rel" "/usr/src/linux-source-$ver.tar.xz" "$d/mods" "$oot"
  for m in $intree_mods; do intree "$rel" "$m" "$d/mods"; done
  make_initramfs "$ver" "$rel" "$d/mods" "$d/initramfs.cpio" "$order"
done
rm -rf "$W"
cat > "$OUT.tmp/lab.json" <<EOF
{ "key": "$KEY", "built": "$(date -u +%FT%TZ)", "seconds": $(( $(date +%s) - T0 )),
  "qemu": "$(command -v qemu-system-x86_64)",
  "kernels": {
    "6.12": { "release": "$REL612", "source": "$SRC612_V", "vmlinux": "$OUT/6.12/vmlinux", "initramfs": "$OUT/6.12/initramfs.cpio" },
    "6.1": { "release": "$REL61", "source": "$SRC61_V", "vmlinux": "$OUT/6.1/vmlinux", "initramfs": "$OUT/6.1/initramfs.cpio" }
  } }
EOF
rm -rf "$OUT"
mv "$OUT.tmp" "$OUT"
ln -sfn "$KEY" "$CACHE_ROOT/current"
log "built in $(( $(date +%s) - T0 )) s"
echo "$OUT/lab.json"
