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
have prometheus-postgres-exporter || need+=(prometheus-postgres-exporter)
have amtool                    || need+=(prometheus-alertmanager)
have redis-server              || need+=(redis-server)
# Headless browser for the UI tests (driven with chromedp).
have chromium                  || need+=(chromium)
# PostgreSQL's server binaries are not on PATH; servicetest looks here.
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need+=(postgresql)
# The backup engine of the backups tests (issue 12).
have pgbackrest                || need+=(pgbackrest)
# The real Python Sentry SDK of the error ingest tests (issue 16), for
# Debian's /usr/bin/python3.
/usr/bin/python3 -c 'import sentry_sdk' 2>/dev/null || need+=(python3-sentry-sdk)

if [ ${#need[@]} -gt 0 ]; then
	mapfile -t need < <(printf '%s\n' "${need[@]}" | sort -u)
	echo "installing test dependencies: ${need[*]}"
	sudo=""
	if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get update -qq
	$sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# versitygw: an S3 gateway that verifies SigV4 signatures, for the S3 check's
# tests. Not packaged by Debian; building it takes minutes, so only when it is
# on neither PATH nor where `go install` puts it (as servicetest looks).
versitygw_module=github.com/versity/versitygw/cmd/versitygw@v1.8.0
gobin=$(go env GOBIN)
if [ -z "$gobin" ]; then gobin="$(go env GOPATH | cut -d: -f1)/bin"; fi
if ! have versitygw && [ ! -x "$gobin/versitygw" ] && [ ! -x "$HOME/go/bin/versitygw" ]; then
	echo "installing test dependency: versitygw (go install $versitygw_module, a few minutes)"
	go install "$versitygw_module"
fi
