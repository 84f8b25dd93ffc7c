#!/usr/bin/env bash
# Benchmarks the job against a Kafka Streams peer and Kafka's raw consumer on one generated
# topic, and prints the side-by-side table. See docs/benchmarks.md for what is measured.
#
#   benchmark/run.sh [throughput] [--rounds N] [--events N] [--contenders raw,job,peer]
#                    [--checkpoint-interval 2s] [--seed N] [--state-probe true|false]
#                    [--profile true|false] [--native-profile true|false]
#                    [--peer-late-rule watermark|stream-time] [--baseline-jar FILE]
#   benchmark/run.sh latency [--rate N] [--seconds N] [--intervals 1s,5s,10s]
#
# It builds the job jar and the benchmark tools when they are missing or out of date, starts
# its own Kafka broker (127.0.0.1:39092) and, per round, its own Flink cluster (REST 38081,
# RPC 36123, metrics 39250-39260), all under ${EVENT_PIPELINE_BENCH_HOME:-<repo>/.local/benchmark},
# and stops everything it started when it ends. Results go to <that directory>/results/<run id>/.
#
# --native-profile true runs every TaskManager with async-profiler (fetched from Maven Central
# once; Linux on x86_64 only), which samples native frames such as RocksDB's too. The run first
# empties <that directory>/profiles/, and each TaskManager writes its profile there when it stops,
# as taskmanager-<pid>.collapsed; the benchmark's log names the TaskManager pid of every round.
# Summarise one with dev.eventpipeline.bench.CollapsedTop (see docs/benchmarks.md).

set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly REPO_ROOT
BENCH_HOME="${EVENT_PIPELINE_BENCH_HOME:-$REPO_ROOT/.local/benchmark}"
mkdir -p "$BENCH_HOME"
BENCH_HOME="$(cd "$BENCH_HOME" && pwd)"
readonly BENCH_HOME
readonly BROKER_PORT="${EVENT_PIPELINE_BENCH_BROKER_PORT:-39092}"
readonly REST_PORT="${EVENT_PIPELINE_BENCH_REST_PORT:-38081}"
readonly RPC_PORT="${EVENT_PIPELINE_BENCH_RPC_PORT:-36123}"
readonly METRICS_PORTS="${EVENT_PIPELINE_BENCH_METRICS_PORTS:-39250-39260}"
readonly CLASSPATH_FILE="$BENCH_HOME/benchmark.classpath"
readonly ASYNC_PROFILER_VERSION=4.0

info() {
    echo "benchmark: $*" >&2
}

die() {
    echo "benchmark: error: $*" >&2
    exit 1
}

broker() {
    EVENT_PIPELINE_HOME="$BENCH_HOME" "$REPO_ROOT/scripts/kafka-broker.sh" "$@"
}

cluster() {
    EVENT_PIPELINE_HOME="$BENCH_HOME" \
        EVENT_PIPELINE_FLINK_REST_PORT="$REST_PORT" \
        EVENT_PIPELINE_FLINK_RPC_PORT="$RPC_PORT" \
        EVENT_PIPELINE_FLINK_METRICS_PORTS="$METRICS_PORTS" \
        "$REPO_ROOT/scripts/flink-cluster.sh" "$@"
}

# Rebuilds the job jar when any source, resource or the POM is newer than it.
build_job() {
    local jar="$REPO_ROOT/target/event-pipeline.jar"
    if [[ -f "$jar" && -z "$(find "$REPO_ROOT/src/main" "$REPO_ROOT/pom.xml" -newer "$jar" -type f | head -n 1)" ]]; then
        return 0
    fi
    info "building the job jar (mvn package, tests skipped)"
    (cd "$REPO_ROOT" && mvn -q -B -DskipTests package) || die "building the job jar failed"
}

# Compiles the benchmark tools and writes their classpath.
build_benchmark() {
    info "compiling the benchmark tools"
    mvn -q -B -f "$REPO_ROOT/benchmark/pom.xml" compile dependency:build-classpath \
        -Dmdep.outputFile="$CLASSPATH_FILE" || die "compiling benchmark/ failed"
}

# Fetches async-profiler's native library once and prints the TaskManager JVM option that loads
# it: CPU samples every 2 ms, per thread, written in collapsed form when the JVM exits.
async_profiler_option() {
    local dir="$BENCH_HOME/tools/async-profiler-$ASYNC_PROFILER_VERSION"
    local library="$dir/linux-x64/libasyncProfiler.so"
    if [[ ! -f "$library" ]]; then
        info "fetching async-profiler $ASYNC_PROFILER_VERSION from Maven Central"
        mvn -q -B -f "$REPO_ROOT/benchmark/pom.xml" dependency:copy \
            -Dartifact="tools.profiler:async-profiler:$ASYNC_PROFILER_VERSION:jar:linux-x64" \
            -DoutputDirectory="$dir" >&2 || die "fetching async-profiler failed"
        (cd "$dir" && jar xf "async-profiler-$ASYNC_PROFILER_VERSION-linux-x64.jar" \
            linux-x64/libasyncProfiler.so) || die "unpacking async-profiler failed"
    fi
    rm -rf "$BENCH_HOME/profiles"
    mkdir -p "$BENCH_HOME/profiles"
    echo "-agentpath:$library=start,event=cpu,interval=2ms,threads,collapsed,file=$BENCH_HOME/profiles/taskmanager-%p.collapsed"
}

stop_all() {
    cluster stop >/dev/null 2>&1 || true
    broker stop || true
}

main() {
    local mode=throughput
    if [[ $# -gt 0 && "$1" != --* ]]; then
        mode="$1"
        shift
    fi
    case "$mode" in
        throughput | latency) ;;
        *) die "unknown mode '$mode': expected throughput or latency" ;;
    esac

    # --native-profile is this script's own option; the rest go to the benchmark.
    local native_profile=false
    local passed=()
    while [[ $# -gt 0 ]]; do
        case "$1" in
            --native-profile)
                [[ $# -ge 2 ]] || die "missing value after --native-profile: expected true or false"
                native_profile="$2"
                shift 2
                ;;
            --native-profile=*)
                native_profile="${1#--native-profile=}"
                shift
                ;;
            *)
                passed+=("$1")
                shift
                ;;
        esac
    done
    case "$native_profile" in
        true | false) ;;
        *) die "--native-profile is '$native_profile': expected true or false" ;;
    esac
    if [[ "$native_profile" == true && "$(uname -s)-$(uname -m)" != Linux-x86_64 ]]; then
        die "--native-profile needs Linux on x86_64, the one async-profiler build fetched here"
    fi

    build_job
    build_benchmark
    if [[ "$native_profile" == true ]]; then
        EVENT_PIPELINE_FLINK_TM_JAVA_OPTS="$(async_profiler_option)"
        export EVENT_PIPELINE_FLINK_TM_JAVA_OPTS
        info "TaskManagers run with async-profiler; profiles go to $BENCH_HOME/profiles/"
    else
        # JVM options from the caller's shell would skew the measured CPU.
        unset EVENT_PIPELINE_FLINK_TM_JAVA_OPTS
    fi

    if broker status >/dev/null 2>&1; then
        die "a benchmark broker already runs under $BENCH_HOME; stop it with: EVENT_PIPELINE_HOME=$BENCH_HOME scripts/kafka-broker.sh stop"
    fi
    # Every run starts from an empty broker, so earlier runs' topics cost no disk or time.
    rm -rf "$BENCH_HOME/kafka/data"
    trap stop_all EXIT
    broker start --port "$BROKER_PORT"
    local broker_pid
    broker_pid="$(<"$BENCH_HOME/kafka/kafka.pid")"

    local main_class=dev.eventpipeline.bench.Benchmark
    if [[ "$mode" == latency ]]; then
        main_class=dev.eventpipeline.bench.LatencyBenchmark
    fi
    local classpath="$REPO_ROOT/benchmark/target/classes:$(<"$CLASSPATH_FILE")"
    java -Xmx3g -cp "$classpath" "$main_class" \
        --repo "$REPO_ROOT" \
        --home "$BENCH_HOME" \
        --bootstrap-servers "127.0.0.1:$BROKER_PORT" \
        --broker-pid "$broker_pid" \
        --benchmark-classpath "$classpath" \
        --broker-classpath "$(<"$BENCH_HOME/kafka/classpath.txt")" \
        --rest-port "$REST_PORT" \
        --rpc-port "$RPC_PORT" \
        --metrics-ports "$METRICS_PORTS" \
        "${passed[@]}"
}

main "$@"
