#!/usr/bin/env bash
# Prints the path of a promtool binary, which checks the alert rules in monitoring/prometheus
# (AlertRulesPromtoolTest). One on the PATH is used as it is. Otherwise the binary is copied from
# Debian's prometheus package to .local/tools. The package is not installed, so no Prometheus
# server is set up or started. Exits non-zero when neither works.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

log() { echo "promtool: $*" >&2; }

if command -v promtool >/dev/null 2>&1; then
    command -v promtool
    exit 0
fi

readonly BINARY="$PWD/.local/tools/promtool"
if [[ ! -x "$BINARY" ]]; then
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' EXIT
    log "downloading Debian's prometheus package for its promtool binary"
    if ! (cd "$work" && apt-get download prometheus >/dev/null 2>&1); then
        if [[ $(id -u) -eq 0 ]]; then
            log "apt-get download failed; running apt-get update and trying again"
            DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
            (cd "$work" && apt-get download prometheus >/dev/null 2>&1) ||
                { log "error: apt-get download prometheus failed"; exit 1; }
        else
            log "error: apt-get download prometheus failed; install promtool or set PROMTOOL"
            exit 1
        fi
    fi
    dpkg-deb -x "$work"/prometheus_*.deb "$work/package"
    mkdir -p "$(dirname "$BINARY")"
    cp "$work/package/usr/bin/promtool" "$BINARY"
fi
"$BINARY" --version >/dev/null 2>&1 || { log "error: $BINARY does not run"; exit 1; }
echo "$BINARY"
