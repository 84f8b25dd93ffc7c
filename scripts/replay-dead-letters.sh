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

echo "Building the job (mvn package, tests skipped)..." >&2
mvn -B -q -DskipTests package dependency:build-classpath \
    -Dmdep.includeScope=test -Dmdep.outputFile=target/local-run.classpath >&2

# The module options a Flink 1.20 cluster passes on Java 17.
JAVA_OPTS=(
    --add-opens=java.base/java.lang=ALL-UNNAMED
    --add-opens=java.base/java.util=ALL-UNNAMED
    --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
    --add-opens=java.base/java.net=ALL-UNNAMED
    --add-opens=java.base/java.io=ALL-UNNAMED
    --add-opens=java.base/java.nio=ALL-UNNAMED
    --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
    --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
    --add-opens=java.base/java.text=ALL-UNNAMED
    --add-opens=java.base/java.time=ALL-UNNAMED
    --add-exports=java.base/sun.net.util=ALL-UNNAMED
    -Dlog4j.configurationFile=src/test/resources/log4j2-replay.properties
    -Dlog4j2.StatusLogger.level=ERROR
    -Xmx1g
)
exec java "${JAVA_OPTS[@]}" \
    -cp "target/classes:$(cat target/local-run.classpath)" \
    dev.eventpipeline.replay.DeadLetterReplayJob "$@"
