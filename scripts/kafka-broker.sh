#!/usr/bin/env bash
# Runs a single-node Apache Kafka broker (KRaft combined mode, listeners on 127.0.0.1 only) on
# this host for local runs and benchmarks. The broker is a plain `java` process whose classpath
# comes from broker/pom.xml. Run `scripts/kafka-broker.sh help` for the commands.
#
# State lives under ${EVENT_PIPELINE_HOME:-<repo>/.local}/kafka:
#   classpath.txt       classpath of the broker and the tools, written by Maven from broker/pom.xml
#   server.properties   broker configuration, rewritten on every 'start'
#   log4j2.properties   logging of the broker (INFO, to log/broker.log)
#   tools-log4j2.properties  logging of the command line tools (WARN, to stderr)
#   kafka.pid           pid of the running broker
#   bootstrap.servers   host:port of the client listener of the running broker
#   log/broker.log      stdout and stderr of the broker JVM, appended across starts
#   data/               log.dirs: topic data and the KRaft metadata log, kept across starts
#
# The broker settings match src/test/java/dev/eventpipeline/testing/KafkaBroker.java: stock
# Kafka configuration except replication factor 1 for internal topics and no initial rebalance
# delay. transaction.max.timeout.ms keeps its stock value of 900000 ms.
#
# Environment:
#   EVENT_PIPELINE_HOME                 parent of the state directory (default <repo>/.local)
#   JAVA_HOME                           Java 17 installation (default: java on PATH)
#   KAFKA_HEAP_OPTS                     heap options of the broker JVM (default -Xmx512m)
#   EVENT_PIPELINE_KAFKA_START_TIMEOUT  seconds to wait until the broker accepts clients (60)
#   EVENT_PIPELINE_KAFKA_STOP_TIMEOUT   seconds between SIGTERM and SIGKILL on stop (30)

set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly REPO_ROOT
readonly BROKER_POM="$REPO_ROOT/broker/pom.xml"

readonly HOST=127.0.0.1
readonly DEFAULT_PORT=9092
readonly NODE_ID=1
readonly BROKER_MAIN=kafka.Kafka
readonly STORAGE_TOOL_MAIN=kafka.tools.StorageTool
readonly TOPIC_COMMAND_MAIN=org.apache.kafka.tools.TopicCommand

readonly START_TIMEOUT_SECONDS="${EVENT_PIPELINE_KAFKA_START_TIMEOUT:-60}"
readonly STOP_TIMEOUT_SECONDS="${EVENT_PIPELINE_KAFKA_STOP_TIMEOUT:-30}"

mkdir -p "${EVENT_PIPELINE_HOME:-$REPO_ROOT/.local}"
STATE_DIR="$(cd "${EVENT_PIPELINE_HOME:-$REPO_ROOT/.local}" && pwd)/kafka"
readonly STATE_DIR
readonly CLASSPATH_FILE="$STATE_DIR/classpath.txt"
readonly SERVER_PROPERTIES="$STATE_DIR/server.properties"
readonly BROKER_LOG4J="$STATE_DIR/log4j2.properties"
readonly TOOLS_LOG4J="$STATE_DIR/tools-log4j2.properties"
readonly PID_FILE="$STATE_DIR/kafka.pid"
readonly BOOTSTRAP_FILE="$STATE_DIR/bootstrap.servers"
readonly LOG_DIR="$STATE_DIR/log"
readonly LOG_FILE="$LOG_DIR/broker.log"
readonly DATA_DIR="$STATE_DIR/data"

if [[ -n "${JAVA_HOME:-}" ]]; then
    JAVA="$JAVA_HOME/bin/java"
else
    JAVA=java
fi
readonly JAVA

CLASSPATH=""

# --- Messages ------------------------------------------------------------------------------

# Progress messages go to stderr, so stdout carries only what a command prints as its result.
info() {
    echo "kafka-broker: $*" >&2
}

die() {
    echo "kafka-broker: error: $*" >&2
    exit 1
}

usage() {
    cat <<EOF
Usage: scripts/kafka-broker.sh COMMAND [ARGS]

Runs a single-node Kafka broker (KRaft) on $HOST. Data, logs and the pid file are kept
under $STATE_DIR; topic data survives 'stop' and 'start'. Delete
$DATA_DIR while the broker is stopped to start with no topics.

Commands:
  start [--port N] [--controller-port N]
                        Start the broker with its client listener on port N (default
                        $DEFAULT_PORT) and its KRaft controller listener on the given port
                        (default N + 1), and wait until it accepts clients. Does nothing
                        when the broker already runs.
  stop                  Stop the broker: SIGTERM, then SIGKILL after ${STOP_TIMEOUT_SECONDS} s.
  status                Show whether the broker runs. Exits with 3 when it does not.
  bootstrap             Print the bootstrap servers (host:port) of the running broker.
  topic NAME PARTITIONS Create a topic with replication factor 1 unless it exists.
  help                  Print this text.
EOF
}

# --- Classpath and configuration -----------------------------------------------------------

# Writes the classpath file with Maven when it is missing, older than broker/pom.xml, or
# names a jar that is no longer in the local Maven repository.
ensure_classpath() {
    local regenerate=false
    if [[ ! -s "$CLASSPATH_FILE" || "$BROKER_POM" -nt "$CLASSPATH_FILE" ]]; then
        regenerate=true
    else
        local jar
        local -a jars
        IFS=':' read -r -a jars <<<"$(<"$CLASSPATH_FILE")"
        for jar in "${jars[@]}"; do
            if [[ ! -f "$jar" ]]; then
                regenerate=true
                break
            fi
        done
    fi

    if [[ "$regenerate" == true ]]; then
        command -v mvn >/dev/null || die "mvn not found on PATH; it is needed once to resolve the Kafka jars from $BROKER_POM"
        info "resolving the Kafka broker classpath from broker/pom.xml with Maven"
        mkdir -p "$STATE_DIR"
        mvn -B -q -Dstyle.color=never -f "$BROKER_POM" dependency:build-classpath -Dmdep.outputFile="$CLASSPATH_FILE" >&2 \
            || die "mvn dependency:build-classpath failed for $BROKER_POM"
        [[ -s "$CLASSPATH_FILE" ]] || die "Maven wrote no classpath to $CLASSPATH_FILE"
    fi
    CLASSPATH="$(<"$CLASSPATH_FILE")"
}

write_server_properties() {
    local port="$1" controller_port="$2"
    cat >"$SERVER_PROPERTIES" <<EOF
# Generated by scripts/kafka-broker.sh on every 'start'.
process.roles=broker,controller
node.id=$NODE_ID
# Static voters, so that the voter set follows the ports of each 'start'.
controller.quorum.voters=$NODE_ID@$HOST:$controller_port
controller.listener.names=CONTROLLER
listeners=PLAINTEXT://$HOST:$port,CONTROLLER://$HOST:$controller_port
advertised.listeners=PLAINTEXT://$HOST:$port
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$DATA_DIR
# A single node cannot meet the stock replication factor of 3 for internal topics.
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
# The stock 3 s delay only helps when many consumers join a new group at once.
group.initial.rebalance.delay.ms=0
EOF
}

write_log4j_configs() {
    cat >"$BROKER_LOG4J" <<'EOF'
appender.stdout.type=Console
appender.stdout.name=STDOUT
appender.stdout.layout.type=PatternLayout
appender.stdout.layout.pattern=[%d] %p %m (%c)%n
rootLogger.level=INFO
rootLogger.appenderRef.stdout.ref=STDOUT
EOF
    cat >"$TOOLS_LOG4J" <<'EOF'
appender.stderr.type=Console
appender.stderr.name=STDERR
appender.stderr.target=SYSTEM_ERR
appender.stderr.layout.type=PatternLayout
appender.stderr.layout.pattern=[%d] %p %m (%c)%n
rootLogger.level=WARN
rootLogger.appenderRef.stderr.ref=STDERR
EOF
}

# Formats data/ unless an earlier 'start' did, in which case its topics are kept.
format_storage_once() {
    if [[ -f "$DATA_DIR/meta.properties" ]]; then
        return 0
    fi
    local cluster_id
    cluster_id="$("$JAVA" -Dlog4j2.configurationFile="file:$TOOLS_LOG4J" \
        -classpath "$CLASSPATH" "$STORAGE_TOOL_MAIN" random-uuid)" \
        || die "$STORAGE_TOOL_MAIN random-uuid failed"
    info "formatting $DATA_DIR with cluster id $cluster_id"
    "$JAVA" -Dlog4j2.configurationFile="file:$TOOLS_LOG4J" -classpath "$CLASSPATH" \
        "$STORAGE_TOOL_MAIN" format --cluster-id "$cluster_id" --config "$SERVER_PROPERTIES" \
        >>"$LOG_FILE" 2>&1 \
        || die "formatting the storage failed; see the end of $LOG_FILE"
}

# --- Process -------------------------------------------------------------------------------

# Prints the pid of the broker, or fails when it does not run. A pid counts only while its
# command line still has the broker's main class and this state directory's
# server.properties, so a pid that the system has since given to another process is never
# signalled.
live_pid() {
    local pid args
    [[ -f "$PID_FILE" ]] || return 1
    pid="$(<"$PID_FILE")"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    args="$(ps -ww -o args= -p "$pid" 2>/dev/null)" || return 1
    [[ "$args" == *"$BROKER_MAIN $SERVER_PROPERTIES"* ]] || return 1
    echo "$pid"
}

# Fails when something already listens on the given loopback port.
require_free_port() {
    local port="$1" option="$2"
    if (exec 3<>"/dev/tcp/$HOST/$port") 2>/dev/null; then
        die "port $port on $HOST is already in use; choose another one with $option N"
    fi
}

require_port_number() {
    local value="$1" option="$2"
    if [[ ! "$value" =~ ^[0-9]+$ ]] || ((value < 1 || value > 65535)); then
        die "invalid $option value '$value': expected a port number from 1 to 65535"
    fi
}

print_log_tail() {
    if [[ -f "$LOG_FILE" ]]; then
        echo "--- last 50 lines of $LOG_FILE ---" >&2
        tail -n 50 "$LOG_FILE" >&2
    fi
}

# Waits until the broker accepts connections on its client port. Kafka 4.1 opens that port
# only at the end of its startup, after the controller has unfenced the broker.
wait_until_serving() {
    local pid="$1" port="$2"
    local deadline=$((SECONDS + START_TIMEOUT_SECONDS))
    while ! (exec 3<>"/dev/tcp/$HOST/$port") 2>/dev/null; do
        if ! kill -0 "$pid" 2>/dev/null; then
            rm -f "$PID_FILE" "$BOOTSTRAP_FILE"
            print_log_tail
            die "the broker (pid $pid) exited before it accepted clients on $HOST:$port"
        fi
        if ((SECONDS >= deadline)); then
            print_log_tail
            stop_broker || true
            die "the broker did not accept clients on $HOST:$port within ${START_TIMEOUT_SECONDS} s; stopped it"
        fi
        sleep 0.2
    done
}

stop_broker() {
    local pid
    if ! pid="$(live_pid)"; then
        rm -f "$PID_FILE" "$BOOTSTRAP_FILE"
        return 1
    fi
    kill -TERM "$pid" 2>/dev/null || true
    info "sent SIGTERM to the broker (pid $pid)"
    local deadline=$((SECONDS + STOP_TIMEOUT_SECONDS))
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
        sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$pid" 2>/dev/null || true
        info "the broker (pid $pid) did not exit within ${STOP_TIMEOUT_SECONDS} s after SIGTERM; sent SIGKILL"
    fi
    rm -f "$PID_FILE" "$BOOTSTRAP_FILE"
}

# --- Commands ------------------------------------------------------------------------------

cmd_start() {
    local port="$DEFAULT_PORT" controller_port=""
    while [[ $# -gt 0 ]]; do
        case "$1" in
            --port)
                [[ $# -ge 2 ]] || die "--port requires a port number"
                port="$2"
                shift 2
                ;;
            --port=*)
                port="${1#*=}"
                shift
                ;;
            --controller-port)
                [[ $# -ge 2 ]] || die "--controller-port requires a port number"
                controller_port="$2"
                shift 2
                ;;
            --controller-port=*)
                controller_port="${1#*=}"
                shift
                ;;
            *) die "unknown option for start: $1 (expected --port N or --controller-port N)" ;;
        esac
    done
    require_port_number "$port" --port
    controller_port="${controller_port:-$((port + 1))}"
    require_port_number "$controller_port" --controller-port
    ((port != controller_port)) || die "--port and --controller-port must differ, both are $port"

    local pid
    if pid="$(live_pid)"; then
        info "the broker is already running (pid $pid) on $(<"$BOOTSTRAP_FILE")"
        return 0
    fi
    rm -f "$PID_FILE" "$BOOTSTRAP_FILE"
    require_free_port "$port" --port
    require_free_port "$controller_port" --controller-port

    ensure_classpath
    mkdir -p "$LOG_DIR" "$DATA_DIR"
    write_server_properties "$port" "$controller_port"
    write_log4j_configs
    format_storage_once

    local started_at=$SECONDS heap_opts
    read -r -a heap_opts <<<"${KAFKA_HEAP_OPTS:--Xmx512m}"
    # setsid detaches the broker from the terminal, so Ctrl-C in this shell does not stop it.
    setsid "$JAVA" "${heap_opts[@]}" -Dlog4j2.configurationFile="file:$BROKER_LOG4J" \
        -classpath "$CLASSPATH" "$BROKER_MAIN" "$SERVER_PROPERTIES" \
        >>"$LOG_FILE" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$PID_FILE"
    echo "$HOST:$port" >"$BOOTSTRAP_FILE"
    info "started the broker (pid $pid), log $LOG_FILE"
    wait_until_serving "$pid" "$port"
    info "the broker accepts clients on $HOST:$port after $((SECONDS - started_at)) s"
}

cmd_stop() {
    if stop_broker; then
        info "stopped"
    else
        info "the broker is not running; nothing to stop"
    fi
}

cmd_status() {
    local pid
    if pid="$(live_pid)"; then
        echo "running (pid $pid) on $(<"$BOOTSTRAP_FILE"), data in $DATA_DIR, log $LOG_FILE"
    else
        echo "not running"
        exit 3
    fi
}

cmd_bootstrap() {
    live_pid >/dev/null || die "the broker is not running; start it with: scripts/kafka-broker.sh start"
    cat "$BOOTSTRAP_FILE"
}

cmd_topic() {
    [[ $# -eq 2 ]] || die "usage: scripts/kafka-broker.sh topic NAME PARTITIONS"
    local name="$1" partitions="$2"
    [[ "$partitions" =~ ^[1-9][0-9]*$ ]] || die "invalid PARTITIONS value '$partitions': expected a whole number >= 1"
    live_pid >/dev/null || die "the broker is not running; start it with: scripts/kafka-broker.sh start"
    ensure_classpath
    "$JAVA" -Dlog4j2.configurationFile="file:$TOOLS_LOG4J" -classpath "$CLASSPATH" \
        "$TOPIC_COMMAND_MAIN" --bootstrap-server "$(<"$BOOTSTRAP_FILE")" --create --if-not-exists \
        --topic "$name" --partitions "$partitions" --replication-factor 1 \
        || die "creating topic $name failed"
    info "topic $name exists"
}

main() {
    local command="${1:-help}"
    if [[ $# -gt 0 ]]; then
        shift
    fi
    case "$command" in
        start) cmd_start "$@" ;;
        stop) cmd_stop "$@" ;;
        status) cmd_status "$@" ;;
        bootstrap) cmd_bootstrap "$@" ;;
        topic) cmd_topic "$@" ;;
        help | -h | --help) usage ;;
        *)
            usage >&2
            echo >&2
            die "unknown command: $command"
            ;;
    esac
}

main "$@"
