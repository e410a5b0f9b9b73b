#!/usr/bin/env bash
# http.sh — HTTP/1.1 requests per second and download throughput:
#   1. tapir-httpd over the TAP link,
#   2. nginx (Debian, one worker, sendfile) on the Linux kernel over a veth
#      pair, serving the same files: the reference.
# wrk and ab run from the lab namespace, keep-alive and not, with 1 and 4
# connections, on a small file (www/index.html); then one 100 MB download
# with curl. The table goes to stdout and is appended to bench/RESULTS.md
# with the machine and the command.
#
#   sudo bench/http.sh [SECONDS]      (default 5 s per wrk run; make all first;
#                                      about 5 minutes in all)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-5}
build=${TAPIR_BUILD:-build}
ns="tph-$$"
nsk="tphk-$$"
work=$(mktemp -d /tmp/tapir-bench-http.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	scripts/netns.sh down "$ns" >/dev/null 2>&1 || true
	ip netns del "$nsk" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
[ "$(id -u)" -eq 0 ] || { echo "bench: needs root" >&2; exit 1; }
for tool in wrk ab curl nginx; do
	command -v "$tool" >/dev/null || { echo "bench: $tool missing (scripts/deps.sh)" >&2; exit 1; }
done

# The same files for both servers.
root="$work/root"
mkdir -p "$root"
cp -r www/. "$root/"
head -c $((100 * 1024 * 1024)) /dev/zero | tr '\0' 'x' >"$root/100mb.bin"
chmod -R a+rX "$work"
small=index.html
small_size=$(stat -c %s "$root/$small")

scripts/netns.sh up "$ns"
in_ns() { ip netns exec "$ns" "$@"; }

# ---- the kernel reference: nginx over a veth pair -------------------------------------
ip netns add "$nsk"
ip link add "vh$$" netns "$ns" type veth peer name "vk$$" netns "$nsk"
ip -n "$ns" addr add 10.0.1.1/24 dev "vh$$"
ip -n "$nsk" addr add 10.0.1.2/24 dev "vk$$"
ip -n "$ns" link set "vh$$" up
ip -n "$nsk" link set "vk$$" up
ip -n "$nsk" link set lo up
cat >"$work/nginx.conf" <<CONF
user root;
worker_processes 1;
daemon off;
pid $work/nginx.pid;
error_log $work/nginx.error.log;
events { worker_connections 1024; }
http {
	access_log off;
	sendfile on;
	tcp_nopush on;
	keepalive_requests 1000000;
	types { text/html html; application/octet-stream bin; }
	server {
		listen 10.0.1.2:80;
		root $root;
	}
}
CONF
ip netns exec "$nsk" nginx -c "$work/nginx.conf" -p "$work" &
pids+=($!)

# ---- tapir ------------------------------------------------------------------------------
ip netns exec "$ns" "$build/tapir-httpd" --root "$root" --quiet &
tapir=$!
pids+=("$tapir")
sleep 1
in_ns ping -c 1 -W 2 10.0.0.2 >/dev/null
in_ns curl -sf -o /dev/null "http://10.0.1.2/$small" || { echo "bench: nginx is not up" >&2; exit 1; }
in_ns curl -sf -o /dev/null "http://10.0.0.2/$small" || { echo "bench: tapir-httpd is not up" >&2; exit 1; }

declare -A r
wrk_rate() { # host conns keepalive
	local extra=()
	[ "$3" = close ] && extra=(-H "Connection: close")
	in_ns wrk -t "$(( $2 < 2 ? 1 : 2 ))" -c "$2" -d "${secs}s" "${extra[@]}" "http://$1/$small" |
		tee -a "$work/wrk.log" | awk '/^Requests\/sec:/ {printf "%d", $2}'
}
ab_rate() { # host conns keepalive
	local k=() n=20000
	[ "$3" = keep ] && k=(-k)
	[ "$3" = close ] && n=5000
	in_ns ab -q "${k[@]}" -n "$n" -c "$2" "http://$1/$small" 2>/dev/null |
		awk '/^Requests per second:/ {printf "%d", $4}'
}
measure() { # key host mode...
	local key=$1 host=$2
	shift 2
	for mode in "$@"; do
		for conns in 1 4; do
			r[wrk,$key,$conns,$mode]=$(wrk_rate "$host" "$conns" "$mode")
			r[ab,$key,$conns,$mode]=$(ab_rate "$host" "$conns" "$mode")
			echo "$key wrk/ab c=$conns $mode: ${r[wrk,$key,$conns,$mode]} ${r[ab,$key,$conns,$mode]}" >&2
		done
	done
}
download() { in_ns curl -s -o /dev/null -w '%{speed_download}' "http://$1/100mb.bin" | awk '{printf "%.1f", $1 / 1e6}'; }

# Without keep-alive the server closes first and keeps each connection in
# TIME-WAIT for 2 MSL; a client port that comes round again is let in by a
# SYN newer than the old connection (RFC 6191, tapir and Linux alike). Each
# server gets the runs on a fresh port space (64k client ports): the pause
# lets the kernel client's own TIME-WAIT ports from tapir's runs go.
in_ns sysctl -qw net.ipv4.ip_local_port_range="1024 65535"
measure tapir 10.0.0.2 keep close
r[dl,tapir]=$(download 10.0.0.2)
echo "tapir 100 MB: ${r[dl,tapir]} MB/s" >&2
# Once more with TCP segmentation offload (--offload): tapir hands the kernel
# 64 KiB super-segments to cut, one write() where there were ~45.
kill "$tapir"
wait "$tapir" 2>/dev/null || true
ip netns exec "$ns" "$build/tapir-httpd" --root "$root" --quiet --offload &
pids+=($!)
sleep 1
r[dl,tso]=$(download 10.0.0.2)
echo "tapir --offload 100 MB: ${r[dl,tso]} MB/s" >&2
sleep 60
measure nginx 10.0.1.2 keep close
r[dl,nginx]=$(download 10.0.1.2)
echo "nginx 100 MB: ${r[dl,nginx]} MB/s" >&2

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
row() { # tool conns mode label
	local t=${r[$1,tapir,$2,$3]} k=${r[$1,nginx,$2,$3]}
	echo "| $1 | $2 | $4 | $t | $k | $(ratio "$t" "$k") |"
}
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
table=$(cat <<TABLE

### HTTP requests per second and downloads — $(date -u +%Y-%m-%d), $(nproc) cores, $cpu, kernel $(uname -r)

\`sudo bench/http.sh $secs\` — GET /$small ($small_size bytes) from the lab namespace; tapir-httpd
over the TAP link against nginx $(nginx -v 2>&1 | sed 's/.*\///') (one worker, sendfile) on the kernel over a veth pair;
wrk for ${secs} s per row, ab for 20000 requests (5000 without keep-alive); "close" sends
Connection: close (ab: no -k). Client port range 1024-65535; a minute's pause before the
nginx runs lets the kernel client's own TIME-WAIT ports go.

| tool | connections | keep-alive | tapir-httpd req/s | nginx on kernel req/s | tapir / nginx |
| --- | --- | --- | --- | --- | --- |
$(row wrk 1 keep yes)
$(row wrk 4 keep yes)
$(row wrk 1 close no)
$(row wrk 4 close no)
$(row ab 1 keep yes)
$(row ab 4 keep yes)
$(row ab 1 close no)
$(row ab 4 close no)

100 MB download (curl, one connection): tapir-httpd ${r[dl,tapir]} MB/s, with \`--offload\` ${r[dl,tso]} MB/s;
nginx on kernel ${r[dl,nginx]} MB/s.
TABLE
)
echo "$table"
echo "$table" >>bench/RESULTS.md
