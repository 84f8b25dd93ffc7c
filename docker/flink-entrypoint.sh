#!/usr/bin/env bash
# Entry point of the Flink containers of docker-compose.yml (JobManager, TaskManagers and the
# job submitter), run as root before the official image's /docker-entrypoint.sh.
#
# The official entrypoint edits $FLINK_HOME/conf/config.yaml in place (jobmanager.rpc.address,
# FLINK_PROPERTIES). The repository's flink-conf/ is therefore mounted read-only at
# /opt/event-pipeline/flink-conf and copied into $FLINK_HOME/conf here: each container edits
# its own copy, and the files in the repository never change.
set -euo pipefail

readonly SOURCE_CONF=/opt/event-pipeline/flink-conf
readonly DATA_DIR=/var/lib/event-pipeline/flink

if [[ ! -f "$SOURCE_CONF/config.yaml" ]]; then
    echo "flink-entrypoint: error: $SOURCE_CONF/config.yaml not found; mount flink-conf/ there" >&2
    exit 1
fi
cp "$SOURCE_CONF"/* "$FLINK_HOME/conf/"

# flink-conf/config.yaml binds every endpoint to localhost for runs on one host. In a container
# the endpoints listen on all interfaces, and a TaskManager must advertise its own address,
# which Flink finds by itself when taskmanager.host is unset. config-parser-utils.sh is the
# tool the image's own build uses for the same change.
bash "$FLINK_HOME/bin/config-parser-utils.sh" "$FLINK_HOME/conf" "$FLINK_HOME/bin" "$FLINK_HOME/lib" \
    -repKV "rest.bind-address,localhost,0.0.0.0" \
    -repKV "jobmanager.bind-host,localhost,0.0.0.0" \
    -repKV "taskmanager.bind-host,localhost,0.0.0.0" \
    -rmKV "taskmanager.host=localhost" >/dev/null

# Checkpoints and savepoints go to a volume that the JobManager and every TaskManager share;
# Flink runs as the image's user "flink", which must own it.
mkdir -p "$DATA_DIR/checkpoints" "$DATA_DIR/savepoints"
chown -R flink:flink "$DATA_DIR"

exec /docker-entrypoint.sh "$@"
