#!/usr/bin/env bash
# Runs a standalone Flink 1.20.3 session cluster on this host: one JobManager and any number
# of TaskManagers, each a plain `java` process. The classpath comes from cluster/pom.xml
# (the jars of a Flink distribution's lib/), the configuration from flink-conf/.
# Run `scripts/flink-cluster.sh help` for the commands.
#
# State lives under ${EVENT_PIPELINE_HOME:-<repo>/.local}/flink:
#   classpath.txt   classpath of all processes, written by Maven from cluster/pom.xml
#   conf/           configuration that every process reads (see generate_conf)
#   pid/            one pid file per process: jobmanager.pid, taskmanager-<N>.pid, and
#                   last-taskmanager-index, the highest N since 'start'
#   log/            <process>.log (Log4j) and <process>.out (stdout and stderr of the JVM)
#   checkpoints/    execution.checkpointing.dir of local runs
#   savepoints/     execution.checkpointing.savepoint-dir of local runs
#   tmp/            io.tmp.dirs: RocksDB working directories, BLOBs, web uploads
#
# Environment:
#   EVENT_PIPELINE_HOME                 parent of the state directory (default <repo>/.local)
#   JAVA_HOME                           Java 17 installation (default: java on PATH)
#   EVENT_PIPELINE_FLINK_START_TIMEOUT  seconds to wait for TaskManagers to register (120)
#   EVENT_PIPELINE_FLINK_STOP_TIMEOUT   seconds between SIGTERM and SIGKILL on stop (30)
#   EVENT_PIPELINE_FLINK_REST_PORT      REST API and web UI port (default: rest.port, 8081)
#   EVENT_PIPELINE_FLINK_RPC_PORT       JobManager RPC port (default: jobmanager.rpc.port, 6123)
#   EVENT_PIPELINE_FLINK_METRICS_PORTS  Prometheus reporter port range (default 9250-9260)
#   EVENT_PIPELINE_FLINK_TM_JAVA_OPTS   extra JVM options of the TaskManagers, such as a profiler
#                                       agent (env.java.opts.taskmanager; default: none). Read by
#                                       'start' only, and split at spaces, so no option may
#                                       contain one
# The three ports let several clusters (say, a test suite's and a developer's) share one host;
# each needs its own EVENT_PIPELINE_HOME as well.

set -euo pipefail

if ((BASH_VERSINFO[0] < 4 || (BASH_VERSINFO[0] == 4 && BASH_VERSINFO[1] < 4))); then
    echo "flink-cluster: error: bash 4.4 or newer is required, this is $BASH_VERSION" >&2
    exit 1
fi

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly REPO_ROOT
readonly CONF_SOURCE_DIR="$REPO_ROOT/flink-conf"
readonly CLUSTER_POM="$REPO_ROOT/cluster/pom.xml"

readonly JOBMANAGER_MAIN=org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint
readonly TASKMANAGER_MAIN=org.apache.flink.runtime.taskexecutor.TaskManagerRunner
readonly CLI_MAIN=org.apache.flink.client.cli.CliFrontend
readonly BASH_JAVA_UTILS_MAIN=org.apache.flink.runtime.util.bash.BashJavaUtils
readonly BASH_JAVA_UTILS_PREFIX=BASH_JAVA_UTILS_EXEC_RESULT:

readonly START_TIMEOUT_SECONDS="${EVENT_PIPELINE_FLINK_START_TIMEOUT:-120}"
readonly STOP_TIMEOUT_SECONDS="${EVENT_PIPELINE_FLINK_STOP_TIMEOUT:-30}"

mkdir -p "${EVENT_PIPELINE_HOME:-$REPO_ROOT/.local}"
STATE_DIR="$(cd "${EVENT_PIPELINE_HOME:-$REPO_ROOT/.local}" && pwd)/flink"
readonly STATE_DIR
readonly CONF_DIR="$STATE_DIR/conf"
readonly PID_DIR="$STATE_DIR/pid"
readonly LOG_DIR="$STATE_DIR/log"
readonly CHECKPOINT_DIR="$STATE_DIR/checkpoints"
readonly SAVEPOINT_DIR="$STATE_DIR/savepoints"
readonly TMP_DIR="$STATE_DIR/tmp"
readonly PLUGINS_DIR="$STATE_DIR/plugins"
readonly CLASSPATH_FILE="$STATE_DIR/classpath.txt"
readonly LAST_TASKMANAGER_FILE="$PID_DIR/last-taskmanager-index"

# Flink reads these. An empty plugins directory keeps Flink from loading a "plugins" folder
# that happens to exist in the current directory.
export FLINK_CONF_DIR="$CONF_DIR"
export FLINK_PLUGINS_DIR="$PLUGINS_DIR"

if [[ -n "${JAVA_HOME:-}" ]]; then
    JAVA="$JAVA_HOME/bin/java"
else
    JAVA=java
fi
readonly JAVA

CLASSPATH=""
JAVA_OPTS_ALL=()

# --- Messages ------------------------------------------------------------------------------

# Progress messages go to stderr, so stdout of the `flink` command is only the CLI's output.
info() {
    echo "flink-cluster: $*" >&2
}

warn() {
    echo "flink-cluster: warning: $*" >&2
}

die() {
    echo "flink-cluster: error: $*" >&2
    exit 1
}

usage() {
    cat <<EOF
Usage: scripts/flink-cluster.sh COMMAND [ARGS]

Runs a standalone Flink session cluster on this host. State, logs, checkpoints and
savepoints are kept under $STATE_DIR.

Commands:
  start [--taskmanagers N]  Start the JobManager and N TaskManagers (default 1) and wait
                            until all TaskManagers have registered.
  stop                      Stop all processes of the cluster: SIGTERM, then SIGKILL after
                            ${STOP_TIMEOUT_SECONDS} s.
  status                    Show which processes run, the REST overview and the Prometheus
                            ports. Exits with 3 when the JobManager does not run.
  add-tm                    Start one more TaskManager and wait until it has registered.
                            It gets a number that no TaskManager of this run had before.
  kill-tm [N|--all]         Kill TaskManager N (default: the highest-numbered one), or all
                            TaskManagers, with SIGKILL, to test recovery.
  flink ARGS...             Run the Flink CLI against this cluster, for example
                              flink run -d target/app.jar --job jobs/a.yaml
                              flink list
                              flink stop --savepointPath <dir> <job id>
  logs                      Print the paths of the log files.
  help                      Print this text.
EOF
}

# --- Classpath and configuration -----------------------------------------------------------

# Writes the classpath file with Maven when it is missing, older than cluster/pom.xml, or
# names a jar that is no longer in the local Maven repository.
ensure_classpath() {
    local regenerate=false
    if [[ ! -s "$CLASSPATH_FILE" || "$CLUSTER_POM" -nt "$CLASSPATH_FILE" ]]; then
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
        command -v mvn >/dev/null || die "mvn not found on PATH; it is needed once to resolve the Flink jars from $CLUSTER_POM"
        info "resolving the Flink classpath from cluster/pom.xml with Maven"
        mkdir -p "$STATE_DIR"
        local output
        if ! output="$(mvn -B -q -f "$CLUSTER_POM" dependency:build-classpath -Dmdep.outputFile="$CLASSPATH_FILE" 2>&1)"; then
            echo "$output" >&2
            die "mvn dependency:build-classpath failed for $CLUSTER_POM; see the Maven output above"
        fi
        [[ -s "$CLASSPATH_FILE" ]] || die "Maven wrote no classpath to $CLASSPATH_FILE"
    fi
    CLASSPATH="$(<"$CLASSPATH_FILE")"
}

# Runs BashJavaUtils with the given command and arguments and prints its result lines
# without their prefix. Its own log goes to log/bash-java-utils.log.
run_bash_java_utils() {
    local log4j_config="$1"
    shift
    local output
    if ! output="$("$JAVA" "${JAVA_OPTS_ALL[@]}" \
        -Dlog.file="$LOG_DIR/bash-java-utils.log" \
        -Dlog4j.configurationFile="file:$log4j_config" \
        -classpath "$CLASSPATH" "$BASH_JAVA_UTILS_MAIN" "$@" 2>&1)"; then
        echo "$output" | tail -n 20 >&2
        die "BashJavaUtils $1 failed; see above and $LOG_DIR/bash-java-utils.log"
    fi
    printf '%s\n' "$output" | sed -n "s/^$BASH_JAVA_UTILS_PREFIX//p"
}

# Writes conf/ from flink-conf/: the Log4j files are copied, and config.yaml is Flink's own
# flattened rendering of flink-conf/config.yaml with the checkpoint, savepoint and temporary
# directories replaced by directories under the state directory. The JobManager, the
# TaskManagers and the CLI all read conf/, so jobs submitted with the `flink` command get
# the same checkpoint settings as the cluster, and local runs never write to the paths that
# flink-conf/config.yaml names for a deployment.
generate_conf() {
    mkdir -p "$LOG_DIR" "$CHECKPOINT_DIR" "$SAVEPOINT_DIR" "$TMP_DIR" "$PLUGINS_DIR"

    # The Java module options are not known before the configuration is parsed, so this one
    # BashJavaUtils run goes without them. Parsing YAML needs none of them.
    local rendered overrides=()
    [[ -z "${EVENT_PIPELINE_FLINK_REST_PORT:-}" ]] ||
        overrides+=(-D "rest.port=$EVENT_PIPELINE_FLINK_REST_PORT")
    [[ -z "${EVENT_PIPELINE_FLINK_RPC_PORT:-}" ]] ||
        overrides+=(-D "jobmanager.rpc.port=$EVENT_PIPELINE_FLINK_RPC_PORT")
    [[ -z "${EVENT_PIPELINE_FLINK_METRICS_PORTS:-}" ]] ||
        overrides+=(-D "metrics.reporter.prom.port=$EVENT_PIPELINE_FLINK_METRICS_PORTS")
    [[ -z "${EVENT_PIPELINE_FLINK_TM_JAVA_OPTS:-}" ]] ||
        overrides+=(-D "env.java.opts.taskmanager=$EVENT_PIPELINE_FLINK_TM_JAVA_OPTS")
    rendered="$(run_bash_java_utils "$CONF_SOURCE_DIR/log4j.properties" \
        UPDATE_AND_GET_FLINK_CONFIGURATION --configDir "$CONF_SOURCE_DIR" --flatten \
        "${overrides[@]}" \
        -D "execution.checkpointing.dir=file://$CHECKPOINT_DIR" \
        -D "execution.checkpointing.savepoint-dir=file://$SAVEPOINT_DIR" \
        -D "io.tmp.dirs=$TMP_DIR" \
        -D "web.tmpdir=$TMP_DIR")"
    [[ -n "$rendered" ]] || die "BashJavaUtils printed no configuration for $CONF_SOURCE_DIR/config.yaml"

    local staging="$STATE_DIR/conf.new"
    rm -rf "$staging"
    mkdir -p "$staging"
    cp -R "$CONF_SOURCE_DIR"/. "$staging"/
    {
        echo "# Generated by scripts/flink-cluster.sh from flink-conf/config.yaml, with local"
        echo "# checkpoint, savepoint and temporary directories. Edit flink-conf/ instead: this"
        echo "# file is rewritten on every 'start'."
        printf '%s\n' "$rendered" | sort
    } >"$staging/config.yaml"
    rm -rf "$CONF_DIR"
    mv "$staging" "$CONF_DIR"
}

# Prints the value of a key of conf/config.yaml, or the default when the key is missing.
config_value() {
    local key="$1" default="${2:-}" value
    value="$(sed -n "s/^${key//./\\.}: //p" "$CONF_DIR/config.yaml" | tail -n 1)"
    # A quoted YAML scalar is returned without its quotes.
    if [[ "$value" =~ ^\'(.*)\'$ || "$value" =~ ^\"(.*)\"$ ]]; then
        value="${BASH_REMATCH[1]}"
    fi
    echo "${value:-$default}"
}

# Loads the classpath and conf/, and the options of env.java.opts.all that every JVM gets.
# conf/ is generated when it is missing, or always when the first argument is "regenerate".
load_environment() {
    ensure_classpath
    if [[ "${1:-}" == regenerate || ! -f "$CONF_DIR/config.yaml" ]]; then
        generate_conf
    elif [[ -n "$(find "$CONF_SOURCE_DIR" -newer "$CONF_DIR/config.yaml" -type f)" ]]; then
        warn "flink-conf/ changed after the last 'start' generated $CONF_DIR; restart the cluster to apply the change"
    fi
    mkdir -p "$PID_DIR" "$LOG_DIR"
    # NOTE: options are split on whitespace, so a single option cannot contain a space.
    read -r -a JAVA_OPTS_ALL <<<"$(config_value env.java.opts.all)"
}

rest_url() {
    echo "http://$(config_value rest.address localhost):$(config_value rest.port 8081)"
}

# Prints the body of a GET request to the REST API, or fails when it does not respond.
rest_get() {
    curl --silent --fail --max-time 5 "$(rest_url)$1"
}

# Prints the value of a numeric field of a flat JSON object.
json_number() {
    local field="$1" json="$2"
    sed -n "s/.*\"$field\":\([0-9][0-9]*\).*/\1/p" <<<"$json"
}

# --- Processes -----------------------------------------------------------------------------

pid_file() {
    echo "$PID_DIR/$1.pid"
}

main_class_of() {
    case "$1" in
        jobmanager) echo "$JOBMANAGER_MAIN" ;;
        taskmanager-*) echo "$TASKMANAGER_MAIN" ;;
        *) die "unknown process name: $1" ;;
    esac
}

# Prints the pid of a process of this cluster, or fails when it does not run. A pid counts
# only while its command line still contains the expected main class and this cluster's conf/,
# so a pid that the system has since given to another process is never signalled.
live_pid() {
    local name="$1" file pid args
    file="$(pid_file "$name")"
    [[ -f "$file" ]] || return 1
    pid="$(<"$file")"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    args="$(ps -ww -o args= -p "$pid" 2>/dev/null)" || return 1
    [[ "$args" == *"$(main_class_of "$name")"* && "$args" == *"--configDir $CONF_DIR"* ]] || return 1
    echo "$pid"
}

# Prints the names of all processes that have a pid file, JobManager first, TaskManagers
# in ascending order.
known_processes() {
    local file
    [[ -f "$(pid_file jobmanager)" ]] && echo jobmanager
    for file in "$PID_DIR"/taskmanager-*.pid; do
        [[ -e "$file" ]] || continue
        basename "$file" .pid
    done | sort -t- -k2,2n
}

taskmanager_names() {
    known_processes | grep '^taskmanager-' || true
}

# Removes the pid files of processes that no longer run.
remove_stale_pid_files() {
    local name
    for name in $(known_processes); do
        live_pid "$name" >/dev/null || rm -f "$(pid_file "$name")"
    done
}

# Splits the two result lines of BashJavaUtils GET_JM_RESOURCE_PARAMS or
# GET_TM_RESOURCE_PARAMS into RESOURCE_JVM_PARAMS (-Xmx and the like) and
# RESOURCE_DYNAMIC_PARAMS (-D key=value pairs of the derived memory sizes).
load_resource_params() {
    local command="$1" output
    output="$(run_bash_java_utils "$CONF_DIR/log4j.properties" "$command" --configDir "$CONF_DIR")"
    local -a lines
    mapfile -t lines <<<"$output"
    [[ ${#lines[@]} -ge 2 ]] || die "BashJavaUtils $command printed ${#lines[@]} result lines, expected 2: $output"
    read -r -a RESOURCE_JVM_PARAMS <<<"${lines[0]}"
    read -r -a RESOURCE_DYNAMIC_PARAMS <<<"${lines[1]}"
}

# Starts one JVM in the background with its own log file and records its pid.
#   launch NAME ROLE_JAVA_OPTS_KEY -- JVM_ARGS... -- MAIN_CLASS_AND_ARGS...
launch() {
    local name="$1" role_opts_key="$2"
    shift 2
    local -a jvm_args=() main_args=() role_opts
    if [[ "${1:-}" == -- ]]; then
        shift
    fi
    while [[ $# -gt 0 && "$1" != -- ]]; do
        jvm_args+=("$1")
        shift
    done
    if [[ $# -gt 0 ]]; then
        shift
    fi
    main_args=("$@")
    read -r -a role_opts <<<"$(config_value "$role_opts_key")"

    nohup "$JAVA" "${jvm_args[@]}" "${JAVA_OPTS_ALL[@]}" "${role_opts[@]}" \
        -Dlog.file="$LOG_DIR/$name.log" \
        -Dlog4j.configurationFile="file:$CONF_DIR/log4j.properties" \
        -classpath "$CLASSPATH" "${main_args[@]}" \
        >"$LOG_DIR/$name.out" 2>&1 </dev/null &
    echo $! >"$(pid_file "$name")"
    info "started $name (pid $!)"
}

JM_JVM_PARAMS=()
JM_DYNAMIC_PARAMS=()
TM_JVM_PARAMS=()
TM_DYNAMIC_PARAMS=()

# Derives the memory options of the JobManager from conf/. Fails on an invalid memory
# configuration, before any process is started.
load_jobmanager_params() {
    load_resource_params GET_JM_RESOURCE_PARAMS
    JM_JVM_PARAMS=("${RESOURCE_JVM_PARAMS[@]}")
    JM_DYNAMIC_PARAMS=("${RESOURCE_DYNAMIC_PARAMS[@]}")
}

# Derives the memory options that every TaskManager gets from conf/.
load_taskmanager_params() {
    load_resource_params GET_TM_RESOURCE_PARAMS
    TM_JVM_PARAMS=("${RESOURCE_JVM_PARAMS[@]}")
    TM_DYNAMIC_PARAMS=("${RESOURCE_DYNAMIC_PARAMS[@]}")
}

# Starts the JobManager. Requires load_jobmanager_params.
start_jobmanager() {
    launch jobmanager env.java.opts.jobmanager -- "${JM_JVM_PARAMS[@]}" -- \
        "$JOBMANAGER_MAIN" --configDir "$CONF_DIR" "${JM_DYNAMIC_PARAMS[@]}"
}

# Starts TaskManager number $1. Requires load_taskmanager_params. Its Flink resource id is
# its process name, so the id in the web UI and REST API matches the pid file and the log
# file name.
start_taskmanager() {
    local name="taskmanager-$1"
    echo "$1" >"$LAST_TASKMANAGER_FILE"
    launch "$name" env.java.opts.taskmanager -- "${TM_JVM_PARAMS[@]}" -- \
        "$TASKMANAGER_MAIN" --configDir "$CONF_DIR" "${TM_DYNAMIC_PARAMS[@]}" \
        -D "taskmanager.resource-id=$name"
}

# Prints the number of the next TaskManager: one above any number used since 'start', so a
# TaskManager started after a kill gets a new resource id, as a replacement does on a real
# cluster. A reused id would make the JobManager take the new process for a restart of the
# killed one, which closes the old connection at once instead of after the heartbeat timeout.
next_taskmanager_index() {
    local name max=0 index
    if [[ -f "$LAST_TASKMANAGER_FILE" ]]; then
        index="$(<"$LAST_TASKMANAGER_FILE")"
        if [[ "$index" =~ ^[0-9]+$ ]]; then
            max="$index"
        fi
    fi
    for name in $(taskmanager_names); do
        index="${name#taskmanager-}"
        if ((index > max)); then
            max="$index"
        fi
    done
    echo $((max + 1))
}

# Prints the last lines of the logs of the given processes. A .log file that is older than
# the pid file still belongs to the previous run, because Log4j rolls it over only when the
# new process initializes logging, so it is skipped.
print_log_tails() {
    local name file
    for name in "$@"; do
        for file in "$LOG_DIR/$name.log" "$LOG_DIR/$name.out"; do
            [[ -s "$file" ]] || continue
            if [[ "$file" == *.log && "$(pid_file "$name")" -nt "$file" ]]; then
                echo "----- $file has no output from this run yet -----" >&2
                continue
            fi
            echo "----- last 30 lines of $file -----" >&2
            tail -n 30 "$file" >&2
        done
    done
}

# Waits until the REST API lists a registered TaskManager for each given process name.
# Fails early when the JobManager or one of these TaskManagers exits.
wait_for_taskmanagers() {
    local deadline=$((SECONDS + START_TIMEOUT_SECONDS)) name missing body
    while true; do
        for name in jobmanager "$@"; do
            if ! live_pid "$name" >/dev/null; then
                print_log_tails "$name"
                die "$name exited during startup; see $LOG_DIR/$name.log and $LOG_DIR/$name.out"
            fi
        done

        missing=()
        body="$(rest_get /taskmanagers 2>/dev/null || true)"
        for name in "$@"; do
            [[ "$body" == *"\"id\":\"$name\""* ]] || missing+=("$name")
        done
        if [[ -n "$body" && ${#missing[@]} -eq 0 ]]; then
            return 0
        fi

        if ((SECONDS >= deadline)); then
            print_log_tails jobmanager "${missing[@]}"
            if [[ -z "$body" ]]; then
                die "timed out after ${START_TIMEOUT_SECONDS} s: the REST API at $(rest_url) does not respond"
            fi
            die "timed out after ${START_TIMEOUT_SECONDS} s waiting for ${missing[*]} to register at the JobManager"
        fi
        sleep 0.5
    done
}

# Sends SIGTERM to the given processes, waits up to STOP_TIMEOUT_SECONDS for them to exit,
# then sends SIGKILL to the rest. Removes their pid files.
stop_processes() {
    local name pid
    local -A pids=()
    for name in "$@"; do
        if pid="$(live_pid "$name")"; then
            pids["$name"]="$pid"
            kill -TERM "$pid" 2>/dev/null || true
            info "sent SIGTERM to $name (pid $pid)"
        fi
    done

    local deadline=$((SECONDS + STOP_TIMEOUT_SECONDS)) running
    while true; do
        running=0
        for name in "${!pids[@]}"; do
            if live_pid "$name" >/dev/null; then
                running=$((running + 1))
            fi
        done
        ((running == 0 || SECONDS >= deadline)) && break
        sleep 0.5
    done

    for name in "${!pids[@]}"; do
        if pid="$(live_pid "$name")"; then
            kill -KILL "$pid" 2>/dev/null || true
            warn "$name (pid $pid) did not exit within ${STOP_TIMEOUT_SECONDS} s after SIGTERM; sent SIGKILL"
        fi
    done
    for name in "$@"; do
        rm -f "$(pid_file "$name")"
    done
}

# Fails when something already listens on the given local port.
require_free_port() {
    local host="$1" port="$2" key="$3"
    if (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then
        die "port $port ($key) on $host is already in use, probably by another Flink cluster; stop it or change $key in flink-conf/config.yaml"
    fi
}

# --- Commands ------------------------------------------------------------------------------

cmd_start() {
    local taskmanagers=1
    while [[ $# -gt 0 ]]; do
        case "$1" in
            --taskmanagers)
                [[ $# -ge 2 ]] || die "--taskmanagers requires a number"
                taskmanagers="$2"
                shift 2
                ;;
            --taskmanagers=*)
                taskmanagers="${1#*=}"
                shift
                ;;
            *) die "unknown option for start: $1 (expected --taskmanagers N)" ;;
        esac
    done
    [[ "$taskmanagers" =~ ^[0-9]+$ ]] || die "invalid --taskmanagers value '$taskmanagers': expected a whole number >= 0"

    local started_at=$SECONDS
    mkdir -p "$PID_DIR"
    remove_stale_pid_files
    local name pid
    for name in $(known_processes); do
        if pid="$(live_pid "$name")"; then
            die "the cluster is already running ($name has pid $pid); run 'stop' first, or 'add-tm' for more TaskManagers"
        fi
    done

    # Working files of the previous run (RPC jars, BLOBs, RocksDB directories of killed
    # TaskManagers) are of no use to a new cluster, and no process of this cluster runs now.
    rm -rf "$TMP_DIR"
    rm -f "$LAST_TASKMANAGER_FILE"
    load_environment regenerate
    require_free_port "$(config_value rest.address localhost)" "$(config_value rest.port 8081)" rest.port
    require_free_port "$(config_value jobmanager.rpc.address localhost)" "$(config_value jobmanager.rpc.port 6123)" jobmanager.rpc.port

    load_jobmanager_params
    load_taskmanager_params

    # A failed start stops what it started, so no half-started cluster keeps the ports in use.
    local -a taskmanagers_started=()
    trap 'info "startup failed, stopping the processes it started"; stop_processes jobmanager "${taskmanagers_started[@]}"' EXIT
    start_jobmanager
    local index
    for ((index = 1; index <= taskmanagers; index++)); do
        taskmanagers_started+=("taskmanager-$index")
        start_taskmanager "$index"
    done
    wait_for_taskmanagers "${taskmanagers_started[@]}"
    trap - EXIT

    local overview
    overview="$(rest_get /overview)"
    info "cluster started in $((SECONDS - started_at)) s: $(json_number taskmanagers "$overview") TaskManagers, $(json_number slots-total "$overview") slots, web UI at $(rest_url)"
}

cmd_stop() {
    mkdir -p "$PID_DIR"
    local -a names
    mapfile -t names < <(known_processes)
    if [[ ${#names[@]} -eq 0 ]]; then
        info "no process of this cluster has a pid file in $PID_DIR; nothing to stop"
        return 0
    fi
    # TaskManagers first, so the JobManager does not spend the shutdown restarting jobs.
    local -a taskmanagers
    mapfile -t taskmanagers < <(taskmanager_names)
    if [[ ${#taskmanagers[@]} -gt 0 ]]; then
        stop_processes "${taskmanagers[@]}"
    fi
    stop_processes jobmanager
    info "stopped"
}

cmd_status() {
    mkdir -p "$PID_DIR"
    local name pid port jobmanager_running=false live_taskmanagers=0
    local -a names
    mapfile -t names < <(known_processes)
    if [[ ${#names[@]} -eq 0 ]]; then
        info "not running (no pid files in $PID_DIR)"
        return 3
    fi
    for name in "${names[@]}"; do
        if pid="$(live_pid "$name")"; then
            port="$(grep -o 'Started PrometheusReporter HTTP server on port [0-9]*' "$LOG_DIR/$name.log" 2>/dev/null | tail -n 1 | grep -o '[0-9]*$' || true)"
            printf '%-16s pid %-8s running   prometheus port %s\n' "$name" "$pid" "${port:-unknown}"
            if [[ "$name" == jobmanager ]]; then
                jobmanager_running=true
            else
                live_taskmanagers=$((live_taskmanagers + 1))
            fi
        else
            printf '%-16s pid %-8s not running (stale pid file)\n' "$name" "$(<"$(pid_file "$name")")"
        fi
    done

    [[ -f "$CONF_DIR/config.yaml" ]] || return 3
    local overview
    if overview="$(rest_get /overview)"; then
        local registered
        registered="$(json_number taskmanagers "$overview")"
        echo "REST $(rest_url): $registered TaskManagers, $(json_number slots-total "$overview") slots ($(json_number slots-available "$overview") available), $(json_number jobs-running "$overview") jobs running"
        if ((${registered:-0} > live_taskmanagers)); then
            echo "($live_taskmanagers TaskManager processes of this cluster run. The JobManager drops a killed TaskManager when its heartbeat times out.)"
        fi
    else
        echo "REST $(rest_url): no response"
    fi
    [[ "$jobmanager_running" == true ]] || return 3
}

cmd_add_tm() {
    [[ $# -eq 0 ]] || die "add-tm takes no arguments"
    live_pid jobmanager >/dev/null || die "the JobManager is not running; run 'start' first"
    load_environment
    load_taskmanager_params
    local name
    name="taskmanager-$(next_taskmanager_index)"
    # The trap names the process now, because a function that fails later may have its own
    # local variable called name.
    # shellcheck disable=SC2064
    trap "info $(printf '%q' "$name failed to register, stopping it"); stop_processes $(printf '%q' "$name")" EXIT
    start_taskmanager "${name#taskmanager-}"
    wait_for_taskmanagers "$name"
    trap - EXIT
    info "$name registered"
}

cmd_kill_tm() {
    local -a targets=()
    mkdir -p "$PID_DIR"
    case "${1:-}" in
        --all)
            mapfile -t targets < <(taskmanager_names)
            ;;
        "")
            local last
            last="$(taskmanager_names | tail -n 1)"
            if [[ -n "$last" ]]; then
                targets=("$last")
            fi
            ;;
        taskmanager-[0-9]* | [0-9]*)
            local name="taskmanager-${1#taskmanager-}"
            [[ "$name" =~ ^taskmanager-[0-9]+$ ]] || die "invalid TaskManager id '$1': expected N or taskmanager-N"
            [[ -f "$(pid_file "$name")" ]] || die "$name has no pid file in $PID_DIR; run 'status' to list the TaskManagers"
            targets=("$name")
            ;;
        *) die "invalid argument '$1': expected a TaskManager number, taskmanager-N or --all" ;;
    esac
    [[ ${#targets[@]} -gt 0 ]] || die "no TaskManager of this cluster is running"

    local name pid
    for name in "${targets[@]}"; do
        if pid="$(live_pid "$name")"; then
            kill -KILL "$pid"
            info "killed $name (pid $pid) with SIGKILL"
        else
            warn "$name was not running; removing its stale pid file"
        fi
        rm -f "$(pid_file "$name")"
    done
}

cmd_flink() {
    load_environment
    local -a client_opts
    read -r -a client_opts <<<"$(config_value env.java.opts.client)"
    exec "$JAVA" "${JAVA_OPTS_ALL[@]}" "${client_opts[@]}" \
        -Dlog.file="$LOG_DIR/flink-client.log" \
        -Dlog4j.configurationFile="file:$CONF_DIR/log4j-cli.properties" \
        -classpath "$CLASSPATH" "$CLI_MAIN" "$@"
}

cmd_logs() {
    local file found=false
    for file in "$LOG_DIR"/*.log "$LOG_DIR"/*.out; do
        [[ -e "$file" ]] || continue
        echo "$file"
        found=true
    done
    [[ "$found" == true ]] || info "no log files in $LOG_DIR yet"
}

main() {
    local setting
    for setting in EVENT_PIPELINE_FLINK_START_TIMEOUT=$START_TIMEOUT_SECONDS EVENT_PIPELINE_FLINK_STOP_TIMEOUT=$STOP_TIMEOUT_SECONDS; do
        [[ "${setting#*=}" =~ ^[0-9]+$ ]] || die "invalid ${setting%%=*} '${setting#*=}': expected a whole number of seconds"
    done

    local command="${1:-help}"
    if [[ $# -gt 0 ]]; then
        shift
    fi
    case "$command" in
        start) cmd_start "$@" ;;
        stop) cmd_stop "$@" ;;
        status) cmd_status "$@" ;;
        add-tm) cmd_add_tm "$@" ;;
        kill-tm) cmd_kill_tm "$@" ;;
        flink) cmd_flink "$@" ;;
        logs) cmd_logs "$@" ;;
        help | -h | --help) usage ;;
        *)
            usage >&2
            echo >&2
            die "unknown command: $command"
            ;;
    esac
}

main "$@"
