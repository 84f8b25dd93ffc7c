#!/usr/bin/env bash
# Runs the whole test suite: unit and operator tests, then integration tests against a real
# Kafka broker process, a Flink MiniCluster, a standalone Flink cluster, RabbitMQ and NATS.
# Extra arguments go to Maven, e.g. scripts/test.sh -Dit.test=ContractCasesIT
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/services.sh
# promtool is not a Maven artifact; without one, AlertRulesPromtoolTest is skipped.
if [[ -z "${PROMTOOL:-}" ]]; then
    if PROMTOOL="$(scripts/promtool.sh)"; then
        export PROMTOOL
    else
        echo "test: no promtool, so AlertRulesPromtoolTest will be skipped" >&2
    fi
fi
exec mvn -B verify "$@"
