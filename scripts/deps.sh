#!/usr/bin/env bash
# deps.sh — install every Debian package tapir needs to build, test and demo.
# Idempotent: when everything is present it prints nothing and exits 0.
set -euo pipefail

PACKAGES=(
  build-essential clang libclang-rt-14-dev pkg-config
  libpcap-dev libcmocka-dev libssl-dev graphviz
  iproute2 iputils-ping tshark tcpdump socat netcat-openbsd nftables
  python3 python3-scapy dnsmasq-base dnsutils
  cppcheck clang-tidy clang-format
  curl wrk apache2-utils nginx-light chromium
  nodejs node-ws
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

# Without root nothing can be installed: say what is missing and go on with
# what is there (make demo then runs on the sim link, which needs the least).
if [ "$(id -u)" -ne 0 ]; then
  echo "deps.sh: not root, so not installing: ${missing[*]}" >&2
  echo "deps.sh: going on without them ('sudo make ...' installs them)" >&2
  exit 0
fi

echo "deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer no without a prompt.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
