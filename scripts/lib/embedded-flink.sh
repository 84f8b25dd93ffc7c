# Shared by the scripts that run a Flink job in an embedded MiniCluster on this host
# (run-local.sh, replay-dead-letters.sh). Source it from the repository root.

# Builds the job jar and writes the run's classpath, test scope included, to
# target/local-run.classpath.
build_for_local_run() {
    echo "Building the job (mvn package, tests skipped)..." >&2
    mvn -B -q -DskipTests package dependency:build-classpath \
        -Dmdep.includeScope=test -Dmdep.outputFile=target/local-run.classpath >&2
}

# The module options that a Flink 1.20 cluster passes to its JVMs on Java 17.
# shellcheck disable=SC2034 # used by the scripts that source this file
FLINK_MODULE_OPTS=(
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
)
