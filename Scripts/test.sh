#!/usr/bin/env bash
# Installs what the tests need (Debian packages) and runs the whole test suite.
# Needs root: the kernel tests create their own network namespaces.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
    echo "Scripts/test.sh: run as root (the kernel tests create network namespaces)" >&2
    exit 2
fi

export DEBIAN_FRONTEND=noninteractive
need=()
for pkg in conntrack nftables tcpdump tshark iproute2 procps curl netcat-openbsd iputils-ping libcap2-bin util-linux ethtool python3; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

swift build --build-tests
swift test --skip-build "$@"
