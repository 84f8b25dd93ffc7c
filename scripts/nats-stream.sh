#!/usr/bin/env bash
# Creates, shows or deletes a NATS JetStream stream through the JetStream API, for machines
# without the nats command-line tool. It speaks the NATS text protocol over bash's /dev/tcp, so
# it needs nothing but bash, and it supports servers without authentication only.
#
#   scripts/nats-stream.sh create STREAM SUBJECT...   file storage, limits retention
#   scripts/nats-stream.sh info STREAM
#   scripts/nats-stream.sh delete STREAM
#
# NATS_ADDRESS selects the server (host:port, default 127.0.0.1:4222). The script prints the
# server's JSON reply and exits with status 1 when the reply reports an error.
set -euo pipefail

readonly ADDRESS="${NATS_ADDRESS:-127.0.0.1:4222}"
readonly TIMEOUT_SECONDS=10

usage() {
    sed -n '6,8p' "$0" | sed 's/^#   /Usage: /' >&2
    exit 2
}

# Sends one JetStream API request and prints the reply's payload.
request() {
    local subject="$1" body="$2" line payload=""
    exec 3<>"/dev/tcp/${ADDRESS%:*}/${ADDRESS##*:}"
    IFS= read -r -t "$TIMEOUT_SECONDS" line <&3 # the server's INFO line
    printf 'CONNECT {"verbose":false,"pedantic":false}\r\nSUB _INBOX.nats-stream 1\r\n' >&3
    printf 'PUB %s _INBOX.nats-stream %d\r\n%s\r\n' "$subject" "${#body}" "$body" >&3
    while IFS= read -r -t "$TIMEOUT_SECONDS" line <&3; do
        case "$line" in
            MSG*)
                IFS= read -r -t "$TIMEOUT_SECONDS" payload <&3
                break
                ;;
            -ERR*)
                echo "nats-stream: server error: ${line%$'\r'}" >&2
                exit 1
                ;;
        esac
    done
    exec 3<&- 3>&-
    [[ -n "$payload" ]] || { echo "nats-stream: no reply from $ADDRESS within ${TIMEOUT_SECONDS}s" >&2; exit 1; }
    payload="${payload%$'\r'}"
    echo "$payload"
    [[ "$payload" != *'"error"'* ]]
}

[[ $# -ge 2 ]] || usage
command="$1" stream="$2"
shift 2
case "$command" in
    create)
        [[ $# -ge 1 ]] || usage
        subjects=""
        for subject in "$@"; do
            subjects+="${subjects:+,}\"$subject\""
        done
        request "\$JS.API.STREAM.CREATE.$stream" \
            "{\"name\":\"$stream\",\"subjects\":[$subjects],\"storage\":\"file\",\"retention\":\"limits\"}"
        ;;
    info) request "\$JS.API.STREAM.INFO.$stream" "" ;;
    delete) request "\$JS.API.STREAM.DELETE.$stream" "" ;;
    *) usage ;;
esac
