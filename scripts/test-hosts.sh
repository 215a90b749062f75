#!/usr/bin/env bash
# Multi-node test hosts on one machine: N network namespaces ("hosts") joined by a Linux bridge in
# the root namespace, each with its own IP on a private /24, so several `gifee agent`s can run as
# separate nodes (each with its own pod bridge, routes and nftables) on one box.
#
#   scripts/test-hosts.sh create N PREFIX [SUBNET]   e.g. create 3 gfm1a2b 10.250.17
#   scripts/test-hosts.sh delete [N] PREFIX
#
# create prints one line per host, "NAME IP", after a first line "bridge BRIDGE IP" (the root
# namespace's address on the bridge: what hosts reach the API server at). Hosts are named
# PREFIX-h1..N (netns and root-side veth), the bridge PREFIX-br. Without SUBNET a free
# 10.250.X.0/24 is picked. Run a command in a host with `nsenter --net=/var/run/netns/NAME CMD`:
# unlike `ip netns exec`, it keeps the machine's mount namespace and /sys (runc needs the cgroup
# mounts under /sys/fs/cgroup, and mounts the agent makes must stay visible for cleanup).
# delete removes the hosts' namespaces (and with them everything inside: pod bridges, routes,
# nftables), their veths and the bridge. Needs root, iproute2 and util-linux (nsenter).

set -euo pipefail

usage() { echo "usage: $0 create N PREFIX [SUBNET, e.g. 10.250.17] | delete [N] PREFIX" >&2; exit 2; }

# Interface names are at most 15 characters: PREFIX-h99 and PREFIX-br must fit.
check_prefix() {
  [[ "$1" =~ ^[a-z][a-z0-9]{1,10}$ ]] || { echo "PREFIX must be 2-11 lowercase letters/digits, starting with a letter: $1" >&2; exit 2; }
}

subnet_in_use() { ip -4 route show | grep -q "^$1\.0/24 "; }

delete_hosts() {
  local prefix=$1
  for ns in $(ip netns list | awk '{print $1}' | grep -E "^${prefix}-h[0-9]+$" || true); do
    ip netns delete "$ns" 2>/dev/null || true
  done
  # A veth's root end goes with its peer's namespace; remove any left over from a failed create.
  for link in $(ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | grep -E "^${prefix}-h[0-9]+$" || true); do
    ip link delete "$link" 2>/dev/null || true
  done
  ip link delete "${prefix}-br" 2>/dev/null || true
}

create_hosts() {
  local n=$1 prefix=$2 subnet=${3:-}
  [[ "$n" =~ ^[0-9]+$ ]] && (( n >= 1 && n <= 99 )) || { echo "N must be 1..99" >&2; exit 2; }
  # Tests create hosts concurrently: pick the subnet and claim it (bridge address) under one lock.
  exec 9>/run/lock/gifee-test-hosts.lock
  flock 9
  if [[ -z "$subnet" ]]; then
    for _ in $(seq 1 50); do
      subnet="10.250.$((RANDOM % 256))"
      subnet_in_use "$subnet" || break
    done
  fi
  subnet_in_use "$subnet" && { echo "subnet $subnet.0/24 is already routed on this machine" >&2; exit 1; }
  ip link show "${prefix}-br" >/dev/null 2>&1 && { echo "bridge ${prefix}-br exists: hosts with prefix $prefix are already up" >&2; exit 1; }
  trap 'delete_hosts "$prefix"' ERR
  local br="${prefix}-br"
  ip link add "$br" type bridge
  ip addr add "$subnet.1/24" dev "$br"
  ip link set "$br" up
  flock -u 9
  echo "bridge $br $subnet.1"
  for i in $(seq 1 "$n"); do
    local ns="${prefix}-h$i" addr="$subnet.$((i + 1))"
    ip netns add "$ns"
    ip link add "$ns" type veth peer name eth0 netns "$ns"
    ip link set "$ns" master "$br" up
    ip -n "$ns" link set lo up
    ip -n "$ns" addr add "$addr/24" dev eth0
    ip -n "$ns" link set eth0 up
    ip -n "$ns" route add default via "$subnet.1"
    echo "$ns $addr"
  done
  trap - ERR
}

case "${1:-}" in
  create) [[ $# -ge 3 ]] || usage; check_prefix "$3"; create_hosts "$2" "$3" "${4:-}" ;;
  delete) # "delete N PREFIX" works too: every host with the prefix goes, whatever N.
    [[ $# -ge 2 ]] || usage
    prefix=$2; [[ "$2" =~ ^[0-9]+$ && $# -ge 3 ]] && prefix=$3
    check_prefix "$prefix"; delete_hosts "$prefix" ;;
  *) usage ;;
esac
