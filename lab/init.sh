#!/bin/busybox sh
# PID 1 of the lab guest: mount, load vhost-vdpa and its deps (vdpa_sim is loaded by the agent,
# which chooses its parameters), then hand the second serial port to the agent. Power off after.
/bin/busybox --install -s /bin
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
while read -r m params; do
  # shellcheck disable=SC2086
  insmod "/lab/$m.ko" $params || echo "lab: insmod $m failed"
done < /lab/load
/lab/agent /dev/ttyS1
echo "lab: agent exited"
poweroff -f
