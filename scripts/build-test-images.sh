#!/usr/bin/env bash
# Builds gifee's test images without internet, from Debian's busybox-static:
#   OUT_DIR/busybox-1.oci.tar     gifee.local/busybox:1  (OCI image layout tar)
#   OUT_DIR/web-1.oci.tar         gifee.local/web:1      (busybox + `httpd -f -p 8080 -h /www`, "hello from gifee web")
#   OUT_DIR/web-2.oci.tar         gifee.local/web:2      (same, index.html says "v2": for rolling updates)
#   OUT_DIR/busybox-1.docker.tar  gifee.local/busybox:1  (docker-archive, the `docker save` format)
#   OUT_DIR/kubectl-1.oci.tar     gifee.local/kubectl:1  (busybox + the host's static kubectl at /usr/local/bin:
#                                 an in-cluster API client; only when a statically linked kubectl is found)
# Layers are plain tar + gzip -n with fixed mtimes and owners, so the same inputs give the same digests.
# Idempotent: exits at once when every output exists and is newer than this script and busybox.
set -euo pipefail

OUT=${1:?usage: build-test-images.sh OUT_DIR}
SCRIPT=$(readlink -f "$0")
BUSYBOX=${BUSYBOX:-/bin/busybox}
[[ -x $BUSYBOX ]] || { echo "build-test-images: $BUSYBOX not found: apt-get install busybox-static" >&2; exit 1; }
if ldd "$BUSYBOX" >/dev/null 2>&1; then
  echo "build-test-images: $BUSYBOX is dynamically linked; install busybox-static (apt-get install busybox-static)" >&2
  exit 1
fi

# The in-cluster client: kubectl 1.32 beside the host's kubectl if there, else the host's kubectl, if static.
KUBECTL_BIN=${KUBECTL_BIN:-}
if [[ -z $KUBECTL_BIN ]] && command -v kubectl >/dev/null; then
  KUBECTL_BIN=$(readlink -f "$(command -v kubectl)")
  [[ -x $(dirname "$KUBECTL_BIN")/kubectl.1.32 ]] && KUBECTL_BIN=$(dirname "$KUBECTL_BIN")/kubectl.1.32
fi
if [[ -n $KUBECTL_BIN ]] && ldd "$KUBECTL_BIN" >/dev/null 2>&1; then KUBECTL_BIN=''; fi

OUTPUTS=(busybox-1.oci.tar web-1.oci.tar web-2.oci.tar busybox-1.docker.tar)
mkdir -p "$OUT"
fresh=1
for o in "${OUTPUTS[@]}"; do
  if [[ ! "$OUT/$o" -nt "$SCRIPT" || ! "$OUT/$o" -nt "$BUSYBOX" ]]; then fresh=0; fi
done
kubectl_fresh=1
if [[ -n $KUBECTL_BIN ]] && [[ ! "$OUT/kubectl-1.oci.tar" -nt "$SCRIPT" || ! "$OUT/kubectl-1.oci.tar" -nt "$KUBECTL_BIN" || ! "$OUT/kubectl-1.oci.tar" -nt "$BUSYBOX" ]]; then kubectl_fresh=0; fi
((fresh && kubectl_fresh)) && exit 0

case $(uname -m) in
  x86_64) ARCH=amd64 ;;
  aarch64) ARCH=arm64 ;;
  armv7l | armv6l) ARCH=arm ;;
  *) ARCH=$(uname -m) ;;
esac

WORK=$(mktemp -d "${TMPDIR:-/tmp}/gifee-images.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

sha() { sha256sum "$1" | cut -d' ' -f1; }
size() { stat -c %s "$1"; }

# mklayer ROOTFS NAME: writes $WORK/NAME.tar and $WORK/NAME.tar.gz; sets DIFF_ID, GZ_DIGEST, GZ_SIZE.
mklayer() {
  local root=$1 name=$2
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --format=pax \
    --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
    -C "$root" -cf "$WORK/$name.tar" .
  gzip -n ${GZIP_LEVEL:-} -c "$WORK/$name.tar" >"$WORK/$name.tar.gz"
  DIFF_ID=$(sha "$WORK/$name.tar")
  GZ_DIGEST=$(sha "$WORK/$name.tar.gz")
  GZ_SIZE=$(size "$WORK/$name.tar.gz")
}

# --- the busybox root filesystem: the static binary, a link per applet, passwd/group ---
BB=$WORK/busybox-root
mkdir -p "$BB"/{bin,usr/bin,etc,root,tmp,proc,sys,dev,var/tmp,home}
chmod 1777 "$BB/tmp" "$BB/var/tmp"
chmod 700 "$BB/root"
cp "$BUSYBOX" "$BB/bin/busybox"
chmod 755 "$BB/bin/busybox"
# One perl process for ~400 links (a `ln` per applet costs seconds); perl-base is always on Debian.
"$BUSYBOX" --list | perl -e '$d = shift; while (<STDIN>) { chomp; next if $_ eq "busybox" || -e "$d/$_"; symlink("busybox", "$d/$_") or die "symlink $_: $!\n" }' "$BB/bin"
ln -s ../../bin/busybox "$BB/usr/bin/env"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$BB/etc/passwd"
printf 'root:x:0:\nnobody:x:65534:\n' >"$BB/etc/group"
mklayer "$BB" base
BASE_DIFF=$DIFF_ID BASE_GZ=$GZ_DIGEST BASE_GZ_SIZE=$GZ_SIZE

ENV_PATH='"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"'

# mkimage NAME REF CONFIG_BODY LAYER_NAMES...: an OCI layout tar OUT/NAME.oci.tar naming REF.
# CONFIG_BODY is the JSON of config.config; each layer name was made by mklayer (digests recomputed here).
mkimage() {
  local name=$1 ref=$2 cfgbody=$3; shift 3
  local layout=$WORK/layout-$name diff_ids='' layers='' l d g s
  mkdir -p "$layout/blobs/sha256"
  for l in "$@"; do
    d=$(sha "$WORK/$l.tar"); g=$(sha "$WORK/$l.tar.gz"); s=$(size "$WORK/$l.tar.gz")
    cp "$WORK/$l.tar.gz" "$layout/blobs/sha256/$g"
    diff_ids+="${diff_ids:+,}\"sha256:$d\""
    layers+="${layers:+,}{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:$g\",\"size\":$s}"
  done
  printf '{"created":"1970-01-01T00:00:00Z","architecture":"%s","os":"linux","config":%s,"rootfs":{"type":"layers","diff_ids":[%s]}}' \
    "$ARCH" "$cfgbody" "$diff_ids" >"$WORK/$name.config.json"
  local cd cs md ms
  cd=$(sha "$WORK/$name.config.json"); cs=$(size "$WORK/$name.config.json")
  cp "$WORK/$name.config.json" "$layout/blobs/sha256/$cd"
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[%s]}' \
    "$cd" "$cs" "$layers" >"$WORK/$name.manifest.json"
  md=$(sha "$WORK/$name.manifest.json"); ms=$(size "$WORK/$name.manifest.json")
  cp "$WORK/$name.manifest.json" "$layout/blobs/sha256/$md"
  printf '{"imageLayoutVersion":"1.0.0"}' >"$layout/oci-layout"
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"%s"}}]}' \
    "$md" "$ms" "$ref" "$ref" >"$layout/index.json"
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$layout" -cf "$WORK/$name.oci.tar" oci-layout index.json blobs
  mv "$WORK/$name.oci.tar" "$OUT/$name.oci.tar"
}

mkimage busybox-1 gifee.local/busybox:1 "{\"Env\":[$ENV_PATH],\"Cmd\":[\"sh\"]}" base

# --- kubectl: busybox + a static kubectl (57 MB: built only when missing or stale, and fast gzip) ---
if [[ -n $KUBECTL_BIN ]] && ((!kubectl_fresh)); then
  mkdir -p "$WORK/kubectl-root/usr/local/bin"
  cp "$KUBECTL_BIN" "$WORK/kubectl-root/usr/local/bin/kubectl"
  chmod 755 "$WORK/kubectl-root/usr/local/bin/kubectl"
  GZIP_LEVEL=-1 mklayer "$WORK/kubectl-root" kubectl
  mkimage kubectl-1 gifee.local/kubectl:1 "{\"Env\":[$ENV_PATH],\"Cmd\":[\"kubectl\",\"version\"]}" base kubectl
fi
((fresh)) && exit 0

# --- web: busybox + /www/index.html served by busybox httpd ---
WEB_CONFIG="{\"Env\":[$ENV_PATH],\"Cmd\":[\"httpd\",\"-f\",\"-v\",\"-p\",\"8080\",\"-h\",\"/www\"],\"ExposedPorts\":{\"8080/tcp\":{}}}"
for v in 1 2; do
  mkdir -p "$WORK/web$v-root/www"
  if [[ $v == 1 ]]; then echo 'hello from gifee web' >"$WORK/web$v-root/www/index.html"; else echo 'hello from gifee web v2' >"$WORK/web$v-root/www/index.html"; fi
  mklayer "$WORK/web$v-root" "web$v"
  mkimage "web-$v" "gifee.local/web:$v" "$WEB_CONFIG" base "web$v"
done

# --- busybox as a docker-archive (`docker save`): manifest.json + config + uncompressed layer.tar ---
DA=$WORK/docker-archive
mkdir -p "$DA/$BASE_DIFF"
cp "$WORK/base.tar" "$DA/$BASE_DIFF/layer.tar"
CFG=$(sha "$WORK/busybox-1.config.json")
cp "$WORK/busybox-1.config.json" "$DA/$CFG.json"
printf '[{"Config":"%s.json","RepoTags":["gifee.local/busybox:1"],"Layers":["%s/layer.tar"]}]' "$CFG" "$BASE_DIFF" >"$DA/manifest.json"
printf '{"gifee.local/busybox":{"1":"%s"}}' "$BASE_DIFF" >"$DA/repositories"
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$DA" -cf "$WORK/busybox-1.docker.tar" .
mv "$WORK/busybox-1.docker.tar" "$OUT/busybox-1.docker.tar"
: "${BASE_GZ:?}" "${BASE_GZ_SIZE:?}"
