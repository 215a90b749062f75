#!/usr/bin/env bash
# Sets up a fresh Debian machine for gifee: the Debian packages it uses (installed only when missing,
# so a second run is quick), the npm dependencies, and the compiled build. Safe to run again.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# e2fsprogs, xfsprogs and mount: the built-in CSI driver formats, loop-mounts and grows volumes (ext4,
# or xfs, which grows online without CAP_SYS_RESOURCE); the disk-pressure e2e test uses them too.
# prometheus and victoria-metrics: the monitoring e2e scrapes a cluster with both (Debian's Prometheus
# is built without Kubernetes service discovery; VictoriaMetrics runs the same kubernetes_sd_configs).
# nginx-light: bench/ingress.ts compares the ingress controller with nginx proxying to the same backend.
PACKAGES=(runc containernetworking-plugins nftables iptables iproute2 procps e2fsprogs xfsprogs mount etcd-server etcd-client busybox-static docker-registry skopeo umoci prometheus victoria-metrics nginx-light)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing Debian packages: ${missing[*]}; run as root or: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Packages may start their own system services; gifee's tests start their own on free ports.
  for svc in etcd docker-registry prometheus victoria-metrics nginx; do
    if command -v systemctl >/dev/null 2>&1; then systemctl disable --now "$svc" >/dev/null 2>&1 || true; fi
    pkill -x "$svc" >/dev/null 2>&1 || true
  done
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci" >&2
  npm ci --no-audit --no-fund >&2
fi
echo "setup: compiling" >&2
npx tsc -p . >&2
echo "setup: done" >&2
