#!/usr/bin/env bash
# Builds the job and runs it locally on the real earthquake dataset: a real Kafka broker
# process, the job in an embedded Flink with the web UI on http://localhost:8081, progress while
# it runs and the contract counts at the end. Everything it starts is stopped when it ends.
#
#   scripts/run-local.sh                      bounded run on data/usgs-earthquakes.jsonl.gz
#   scripts/run-local.sh --continuous         keeps running until Ctrl-C
#   scripts/run-local.sh --job jobs/sensor-events.yaml --data FILE.jsonl --set KEY=VALUE
#
# Needs Java 17 and Maven; dependencies and the broker come from Maven Central.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

echo "Building the job (mvn package, tests skipped)..." >&2
mvn -B -q -DskipTests package dependency:build-classpath \
    -Dmdep.includeScope=test -Dmdep.outputFile=target/local-run.classpath >&2

# The same module options a Flink 1.20 cluster passes on Java 17.
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
    -Dlog4j.configurationFile=src/test/resources/log4j2-local.properties
    -Dlog4j2.StatusLogger.level=ERROR
    -Dkafka.broker.classpath=target/kafka-broker.classpath
    -Xmx2g
)
exec java "${JAVA_OPTS[@]}" \
    -cp "target/test-classes:target/classes:$(cat target/local-run.classpath)" \
    dev.eventpipeline.local.LocalPipelineRunner "$@"
