#!/usr/bin/env bash
# Makes sure the message brokers the tests talk to are up on their standard loopback ports:
# RabbitMQ on 127.0.0.1:5672 and NATS with JetStream on 127.0.0.1:4222. A broker that is
# installed but stopped is started; one that is missing is installed from Debian's packages
# (root only). Kafka is not handled here: the tests start their own broker process.
set -euo pipefail

readonly WAIT_SECONDS="${EVENT_PIPELINE_SERVICES_TIMEOUT:-120}"

log() { echo "services: $*" >&2; }
die() { log "error: $*"; exit 1; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for_port() {
    local name="$1" port="$2" deadline=$((SECONDS + WAIT_SECONDS))
    until port_open "$port"; do
        ((SECONDS < deadline)) || die "$name did not open 127.0.0.1:$port within ${WAIT_SECONDS}s"
        sleep 1
    done
    log "$name is up on 127.0.0.1:$port"
}

apt_updated=false
install_package() {
    local package="$1"
    [[ $(id -u) -eq 0 ]] || die "$package is not installed; install it with: sudo apt-get install $package"
    if [[ "$apt_updated" == false ]]; then
        log "running apt-get update"
        DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
        apt_updated=true
    fi
    log "installing $package"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >&2
}

ensure_rabbitmq() {
    if port_open 5672; then
        log "RabbitMQ is already up on 127.0.0.1:5672"
        return
    fi
    command -v rabbitmq-server >/dev/null 2>&1 || install_package rabbitmq-server
    log "starting RabbitMQ"
    rabbitmq-server -detached >&2 || true
    wait_for_port RabbitMQ 5672
}

# Whether the NATS server on 127.0.0.1:PORT runs with JetStream: the INFO line that a server
# sends to every new client says so.
nats_jetstream_on() {
    local port="$1" info=""
    exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
    IFS= read -r -t 5 info <&3 || true
    exec 3<&- 3>&-
    [[ "$info" == *'"jetstream":true'* ]]
}

ensure_nats() {
    if port_open 4222; then
        nats_jetstream_on 4222 ||
            die "the NATS server on 127.0.0.1:4222 runs without JetStream; restart it with -js"
        log "NATS with JetStream is already up on 127.0.0.1:4222"
        return
    fi
    [[ -x /usr/sbin/nats-server ]] || command -v nats-server >/dev/null 2>&1 || install_package nats-server
    local binary
    binary="$(command -v nats-server || echo /usr/sbin/nats-server)"
    local store="${EVENT_PIPELINE_NATS_STORE:-/var/lib/nats-server}"
    mkdir -p "$store"
    log "starting NATS with JetStream (store $store)"
    if command -v start-stop-daemon >/dev/null 2>&1; then
        start-stop-daemon --start --oknodo --background --exec "$binary" -- \
            -a 127.0.0.1 -p 4222 -js -sd "$store" -l /var/log/nats-server.log
    else
        nohup "$binary" -a 127.0.0.1 -p 4222 -js -sd "$store" >/dev/null 2>&1 &
    fi
    wait_for_port NATS 4222
    nats_jetstream_on 4222 || die "NATS started without JetStream; see /var/log/nats-server.log"
}

# Sourcing the script (for its functions) starts nothing.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    ensure_rabbitmq
    ensure_nats
fi
