#!/usr/bin/env bash
# netns.sh — bring the lab network up or down.
#
#   scripts/netns.sh up   [NAME]   namespace NAME (default tapir) holding tap0,
#                                  10.0.0.1/24 on the kernel side, link up
#   scripts/netns.sh down [NAME]   remove the namespace and everything in it
#
# Idempotent. Touches nothing outside the namespace: the TAP device is
# created inside it, so the host's interfaces never see the lab traffic.
# IPv6 is switched off inside the namespace so captures show only what the
# labs are about (no router solicitations or MLD reports).
set -euo pipefail

cmd=${1:-}
ns=${2:-tapir}
tap=${TAPIR_TAP:-tap0}
kernel_ip=${TAPIR_KERNEL_IP:-10.0.0.1/24}

die() { echo "netns.sh: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "needs root (sudo scripts/netns.sh $cmd $ns)"
[[ "$ns" =~ ^[A-Za-z0-9_.-]{1,40}$ ]] || die "bad namespace name '$ns'"

ns_exists() { ip netns list | awk '{print $1}' | grep -qx "$ns"; }

up() {
	[ -c /dev/net/tun ] || die "/dev/net/tun is missing: this machine cannot make TAP devices"
	ns_exists || ip netns add "$ns"
	ip -n "$ns" link set lo up
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
	if ! ip -n "$ns" link show "$tap" >/dev/null 2>&1; then
		ip -n "$ns" tuntap add dev "$tap" mode tap
	fi
	ip -n "$ns" addr replace "$kernel_ip" dev "$tap"
	ip -n "$ns" link set "$tap" up
}

down() {
	if ns_exists; then
		# Processes still inside would keep the TAP device alive: end them.
		pids=$(ip netns pids "$ns" 2>/dev/null || true)
		[ -n "$pids" ] && kill $pids 2>/dev/null || true
		ip netns del "$ns"
	fi
}

case "$cmd" in
up) up ;;
down) down ;;
*) echo "usage: $0 up|down [NAME]" >&2; exit 2 ;;
esac
