#!/usr/bin/env bash
# Installs the real services ward's tests run against, where missing.
# Debian/Ubuntu: apt packages. Tests start their own instances on free
# loopback ports; nothing is started here.
set -euo pipefail

need=()
have() { command -v "$1" >/dev/null 2>&1; }

have promtool                  || need+=(prometheus)
have prometheus                || need+=(prometheus)
have prometheus-node-exporter  || need+=(prometheus-node-exporter)

if [ ${#need[@]} -eq 0 ]; then
	exit 0
fi
mapfile -t need < <(printf '%s\n' "${need[@]}" | sort -u)
echo "installing test dependencies: ${need[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
