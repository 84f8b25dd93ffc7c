#!/usr/bin/env bash
# Runs the dead-letter replay (dev.eventpipeline.replay.DeadLetterReplayJob) on this host in an
# embedded Flink, without a cluster. It reads a range of the dead-letter topic and republishes
# the selected original records; docs/replay.md describes the options.
#
#   scripts/replay-dead-letters.sh --bootstrap-servers localhost:9092 --to-topic events \
#       --reason invalid --start-time 2026-12-04T10:00:00Z
#
# On a Flink cluster, submit the same class from the job jar instead:
#   flink run -c dev.eventpipeline.replay.DeadLetterReplayJob target/event-pipeline.jar ARGS...
#
# Needs Java 17 and Maven; the run ends by itself when the range is written.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

# shellcheck source=lib/embedded-flink.sh
source scripts/lib/embedded-flink.sh
build_for_local_run

JAVA_OPTS=(
    "${FLINK_MODULE_OPTS[@]}"
    -Dlog4j.configurationFile=src/test/resources/log4j2-replay.properties
    -Dlog4j2.StatusLogger.level=ERROR
    -Xmx1g
)
exec java "${JAVA_OPTS[@]}" \
    -cp "target/classes:$(cat target/local-run.classpath)" \
    dev.eventpipeline.replay.DeadLetterReplayJob "$@"
