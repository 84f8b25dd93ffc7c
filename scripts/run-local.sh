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

# shellcheck source=lib/embedded-flink.sh
source scripts/lib/embedded-flink.sh
build_for_local_run

JAVA_OPTS=(
    "${FLINK_MODULE_OPTS[@]}"
    -Dlog4j.configurationFile=src/test/resources/log4j2-local.properties
    -Dlog4j2.StatusLogger.level=ERROR
    -Dkafka.broker.classpath=target/kafka-broker.classpath
    -Xmx2g
)
exec java "${JAVA_OPTS[@]}" \
    -cp "target/test-classes:target/classes:$(cat target/local-run.classpath)" \
    dev.eventpipeline.local.LocalPipelineRunner "$@"
