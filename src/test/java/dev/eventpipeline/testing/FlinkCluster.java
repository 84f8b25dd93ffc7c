package dev.eventpipeline.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A standalone Flink session cluster on this host, run through {@code scripts/flink-cluster.sh}: a
 * JobManager and TaskManager processes built from the Flink Maven artifacts, the {@code flink}
 * command line, and the REST API. Needs only the JDK, Jackson and SLF4J, and no test framework.
 *
 * <p>Each cluster gets free loopback ports for REST, JobManager RPC and the Prometheus reporters,
 * and its own state directory (configuration, logs, checkpoints, savepoints) under {@code
 * target/flink-clusters/}, so several clusters can share the host. The directory is kept after
 * {@link #close()} so the logs can be read after a failure.
 *
 * <p>The script resolves the cluster classpath with Maven on the first start in a new state
 * directory. This class copies the resolved classpath to {@code target/flink-cluster.classpath} and
 * reuses it, so that only the first cluster of a build pays for the resolution.
 */
public final class FlinkCluster implements AutoCloseable {

    /** System property with the path of the shaded job jar; set by the failsafe plugin. */
    public static final String JOB_JAR_PROPERTY = "job.jar";

    /** Job jar used when {@link #JOB_JAR_PROPERTY} is not set, relative to the project dir. */
    public static final String DEFAULT_JOB_JAR = "target/event-pipeline.jar";

    private static final Logger LOG = LoggerFactory.getLogger(FlinkCluster.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String LOOPBACK_HOST = "127.0.0.1";
    private static final Pattern JOB_ID = Pattern.compile("JobID ([0-9a-f]{32})");
    private static final Pattern SAVEPOINT_PATH =
            Pattern.compile("Savepoint completed\\. Path: (\\S+)");
    private static final Duration HTTP_TIMEOUT = Duration.ofSeconds(10);
    private static final long POLL_INTERVAL_MILLIS = 250;
    private static final int METRICS_PORT_RANGE_SIZE = 8;
    private static final int OUTPUT_TAIL_CHARS = 6000;
    private static final Set<String> TERMINAL_JOB_STATES =
            Set.of("FINISHED", "CANCELED", "FAILED", "SUSPENDED");

    private final Path projectDir;
    private final Path script;
    private final Path home;
    private final int restPort;
    private final int rpcPort;
    private final String metricsPorts;
    private final Duration commandTimeout;
    private final HttpClient http;
    private final AtomicInteger commandCounter = new AtomicInteger();
    private boolean stopped;

    private FlinkCluster(Builder builder) {
        this.projectDir = builder.projectDir.toAbsolutePath().normalize();
        this.script = projectDir.resolve("scripts/flink-cluster.sh");
        if (!Files.isRegularFile(script)) {
            throw new IllegalStateException(
                    "Cluster script "
                            + script
                            + " not found; run the tests from the repository root or set"
                            + " Builder.projectDir");
        }
        String name = builder.name + "-" + UUID.randomUUID().toString().substring(0, 8);
        this.home = projectDir.resolve("target/flink-clusters").resolve(name);
        this.restPort = freePort();
        this.rpcPort = freePort();
        int metricsBase = freePortRange(METRICS_PORT_RANGE_SIZE);
        this.metricsPorts = metricsBase + "-" + (metricsBase + METRICS_PORT_RANGE_SIZE - 1);
        this.commandTimeout = builder.commandTimeout;
        this.http = HttpClient.newBuilder().connectTimeout(HTTP_TIMEOUT).build();
    }

    /** Returns a builder for a cluster with one TaskManager. */
    public static Builder builder() {
        return new Builder();
    }

    /** Starts a cluster with {@code taskManagers} TaskManagers of two slots each. */
    public static FlinkCluster start(int taskManagers) {
        return builder().taskManagers(taskManagers).start();
    }

    /** Returns the shaded job jar that {@code flink run} submits. */
    public static Path jobJar() {
        String property = System.getProperty(JOB_JAR_PROPERTY);
        Path jar = Paths.get(property != null ? property : DEFAULT_JOB_JAR).toAbsolutePath();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(
                    "Job jar "
                            + jar
                            + " not found; run 'mvn package' first (failsafe sets the system"
                            + " property "
                            + JOB_JAR_PROPERTY
                            + " to the shaded jar)");
        }
        return jar;
    }

    // ------------------------------------------------------------------ lifecycle

    private void startCluster(int taskManagers) {
        try {
            Files.createDirectories(home.resolve("flink"));
        } catch (IOException e) {
            throw new UncheckedIOException("Failed to create " + home, e);
        }
        restoreCachedClasspath();
        long startNanos = System.nanoTime();
        LOG.info(
                "Starting Flink cluster in {} with {} TaskManagers, REST port {}, RPC port {},"
                        + " metrics ports {}",
                home,
                taskManagers,
                restPort,
                rpcPort,
                metricsPorts);
        CommandResult result =
                script(commandTimeout, "start", "--taskmanagers", Integer.toString(taskManagers));
        if (result.exitCode != 0) {
            throw new IllegalStateException(
                    "Flink cluster in " + home + " failed to start: " + result.describe());
        }
        cacheClasspath();
        LOG.info(
                "Flink cluster at {} started in {} ms",
                restUrl(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));
    }

    /**
     * Stops every process of the cluster: SIGTERM, then SIGKILL after the script's stop timeout.
     * Does nothing after the first call.
     */
    public synchronized void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        LOG.info("Stopping Flink cluster at {}", restUrl());
        CommandResult result = script(commandTimeout, "stop");
        if (result.exitCode != 0) {
            LOG.error("Failed to stop Flink cluster in {}: {}", home, result.describe());
            return;
        }
        LOG.info("Stopped Flink cluster in {}", home);
        // RocksDB working directories and uploaded jars, about 100 MB per test run. The logs,
        // checkpoints and savepoints stay for reading after a failure.
        deleteRecursively(stateDir().resolve("tmp"));
    }

    @Override
    public void close() {
        stop();
    }

    /**
     * Kills TaskManager {@code name} ({@code taskmanager-N}) with SIGKILL, as in a crash.
     *
     * @throws IllegalStateException if the script fails, for example because no such TaskManager
     *     runs
     */
    public void killTaskManager(String name) {
        LOG.info("Killing {} of the Flink cluster at {}", name, restUrl());
        requireSuccess(script(commandTimeout, "kill-tm", name), "kill-tm " + name);
    }

    /** Kills the highest-numbered TaskManager with SIGKILL and returns its name. */
    public String killTaskManager() {
        List<String> running = runningTaskManagers();
        if (running.isEmpty()) {
            throw new IllegalStateException("No TaskManager of the cluster in " + home + " runs");
        }
        String name = running.get(running.size() - 1);
        killTaskManager(name);
        return name;
    }

    /** Starts one more TaskManager, waits until it has registered, and returns its name. */
    public String addTaskManager() {
        Set<String> before = Set.copyOf(pidFileNames());
        requireSuccess(script(commandTimeout, "add-tm"), "add-tm");
        for (String name : pidFileNames()) {
            if (!before.contains(name)) {
                LOG.info("Added {} to the Flink cluster at {}", name, restUrl());
                return name;
            }
        }
        throw new IllegalStateException("add-tm succeeded but wrote no new pid file in " + home);
    }

    /** Returns the names of the TaskManagers that have a pid file, in ascending order. */
    public List<String> runningTaskManagers() {
        List<String> names = new ArrayList<>();
        for (String name : pidFileNames()) {
            if (name.startsWith("taskmanager-")) {
                names.add(name);
            }
        }
        names.sort(
                (a, b) ->
                        Integer.compare(
                                Integer.parseInt(a.substring("taskmanager-".length())),
                                Integer.parseInt(b.substring("taskmanager-".length()))));
        return names;
    }

    private List<String> pidFileNames() {
        Path pidDir = stateDir().resolve("pid");
        List<String> names = new ArrayList<>();
        if (!Files.isDirectory(pidDir)) {
            return names;
        }
        try (var files = Files.list(pidDir)) {
            files.map(path -> path.getFileName().toString())
                    .filter(file -> file.endsWith(".pid"))
                    .map(file -> file.substring(0, file.length() - ".pid".length()))
                    .forEach(names::add);
        } catch (IOException e) {
            throw new UncheckedIOException("Failed to list " + pidDir, e);
        }
        return names;
    }

    // ------------------------------------------------------------------ command line

    /**
     * Runs the Flink command line against this cluster ({@code flink ARGS...}) and returns its exit
     * code and output. Fails only when the command does not end within the command timeout.
     */
    public CommandResult flink(String... args) {
        List<String> command = new ArrayList<>();
        command.add("flink");
        command.addAll(List.of(args));
        return script(commandTimeout, command.toArray(new String[0]));
    }

    /**
     * Submits the shaded job jar detached with {@code flink run -d} and returns the job id.
     *
     * @throws IllegalStateException if the command fails or prints no job id. The message contains
     *     the end of its output.
     */
    public String submit(Submission submission) {
        CommandResult result = flink(submission.arguments());
        if (result.exitCode != 0) {
            throw new IllegalStateException("flink run failed: " + result.describe());
        }
        Matcher matcher = JOB_ID.matcher(result.output);
        if (!matcher.find()) {
            throw new IllegalStateException("flink run printed no job id: " + result.describe());
        }
        String jobId = matcher.group(1);
        LOG.info("Submitted job {} to the Flink cluster at {}", jobId, restUrl());
        return jobId;
    }

    /**
     * Stops a job with a savepoint ({@code flink stop --savepointPath}, without {@code --drain})
     * and returns the savepoint path.
     */
    public String stopWithSavepoint(String jobId, Path savepointDir) {
        CommandResult result =
                flink("stop", "--savepointPath", savepointDir.toUri().toString(), jobId);
        if (result.exitCode != 0) {
            throw new IllegalStateException(
                    "flink stop of job " + jobId + " failed: " + result.describe());
        }
        Matcher matcher = SAVEPOINT_PATH.matcher(result.output);
        if (!matcher.find()) {
            throw new IllegalStateException(
                    "flink stop printed no savepoint path: " + result.describe());
        }
        LOG.info("Stopped job {} with savepoint {}", jobId, matcher.group(1));
        return matcher.group(1);
    }

    /** Cancels a job with {@code flink cancel} and waits until it is CANCELED. */
    public void cancel(String jobId, Duration timeout) {
        requireSuccess(flink("cancel", jobId), "flink cancel " + jobId);
        awaitJobState(jobId, "CANCELED", timeout);
        LOG.info("Cancelled job {}", jobId);
    }

    /**
     * Runs {@code scripts/flink-cluster.sh ARGS...} for this cluster and waits for it. The combined
     * output goes to {@code commands/NNN-COMMAND.out} in the cluster's home, kept for debugging.
     */
    private CommandResult script(Duration timeout, String... args) {
        Path outputFile =
                home.resolve(
                        String.format(
                                "commands/%03d-%s.out", commandCounter.incrementAndGet(), args[0]));
        ProcessBuilder builder = scriptProcess(outputFile, args);
        List<String> command = builder.command();

        long startNanos = System.nanoTime();
        Process process;
        try {
            Files.createDirectories(outputFile.getParent());
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("Failed to run " + command, e);
        }
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
                throw new IllegalStateException(
                        "Timed out after "
                                + timeout
                                + " running "
                                + String.join(" ", args)
                                + "; output so far:\n"
                                + tail(readOutput(outputFile)));
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while running " + command, e);
        }
        CommandResult result =
                new CommandResult(
                        List.of(args),
                        process.exitValue(),
                        readOutput(outputFile),
                        Duration.ofNanos(System.nanoTime() - startNanos));
        LOG.debug("{} exited with {} after {}", args[0], result.exitCode, result.duration);
        return result;
    }

    private ProcessBuilder scriptProcess(Path outputFile, String... args) {
        List<String> command = new ArrayList<>();
        command.add("bash");
        command.add(script.toString());
        command.addAll(List.of(args));
        ProcessBuilder builder =
                new ProcessBuilder(command)
                        .directory(projectDir.toFile())
                        .redirectErrorStream(true)
                        .redirectOutput(outputFile.toFile());
        Map<String, String> env = builder.environment();
        env.put("EVENT_PIPELINE_HOME", home.toString());
        env.put("EVENT_PIPELINE_FLINK_REST_PORT", Integer.toString(restPort));
        env.put("EVENT_PIPELINE_FLINK_RPC_PORT", Integer.toString(rpcPort));
        env.put("EVENT_PIPELINE_FLINK_METRICS_PORTS", metricsPorts);
        // The cluster runs on the JVM that runs the tests, unless JAVA_HOME names another.
        env.putIfAbsent("JAVA_HOME", System.getProperty("java.home"));
        return builder;
    }

    private static String readOutput(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("Failed to read command output " + file, e);
        }
    }

    private static void requireSuccess(CommandResult result, String what) {
        if (result.exitCode != 0) {
            throw new IllegalStateException(what + " failed: " + result.describe());
        }
    }

    // ------------------------------------------------------------------ REST API

    /** Returns {@code http://127.0.0.1:PORT}, the REST API and web UI address. */
    public String restUrl() {
        return "http://" + LOOPBACK_HOST + ":" + restPort;
    }

    /** Sends a GET request to the REST API and returns the status code and body. */
    public HttpResponse<String> get(String path) {
        HttpRequest request =
                HttpRequest.newBuilder(URI.create(restUrl() + path))
                        .timeout(HTTP_TIMEOUT)
                        .GET()
                        .build();
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException("GET " + restUrl() + path + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted during GET " + path, e);
        }
    }

    /**
     * Sends a GET request to the REST API and parses the JSON body. Fails unless the status is 200.
     */
    public JsonNode getJson(String path) {
        HttpResponse<String> response = get(path);
        if (response.statusCode() != 200) {
            throw new IllegalStateException(
                    "GET "
                            + path
                            + " returned status "
                            + response.statusCode()
                            + ": "
                            + tail(response.body()));
        }
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException("GET " + path + " returned no valid JSON", e);
        }
    }

    /** Returns the job details ({@code /jobs/:jobid}). */
    public JsonNode job(String jobId) {
        return getJson("/jobs/" + jobId);
    }

    /** Returns the job state, such as {@code RUNNING}, {@code RESTARTING} or {@code CANCELED}. */
    public String jobState(String jobId) {
        return job(jobId).get("state").asText();
    }

    /** Returns the ids of all jobs that have not reached a terminal state, such as RUNNING. */
    public List<String> activeJobs() {
        List<String> ids = new ArrayList<>();
        for (JsonNode job : getJson("/jobs/overview").get("jobs")) {
            if (!TERMINAL_JOB_STATES.contains(job.get("state").asText())) {
                ids.add(job.get("jid").asText());
            }
        }
        return ids;
    }

    /** Returns the ids of all jobs of the cluster, of any state, named {@code name}. */
    public List<String> jobsNamed(String name) {
        List<String> ids = new ArrayList<>();
        for (JsonNode job : getJson("/jobs/overview").get("jobs")) {
            if (job.get("name").asText().equals(name)) {
                ids.add(job.get("jid").asText());
            }
        }
        return ids;
    }

    /** Returns the job vertices by id with their names, in topological order. */
    public Map<String, String> vertices(String jobId) {
        Map<String, String> vertices = new LinkedHashMap<>();
        for (JsonNode vertex : job(jobId).get("vertices")) {
            vertices.put(vertex.get("id").asText(), vertex.get("name").asText());
        }
        return vertices;
    }

    /**
     * Returns the names of the operators of a job: the vertex names split at each chain link
     * ({@code " -> "}), without the {@code "Source: "} prefix Flink gives source operators.
     */
    public List<String> operatorNames(String jobId) {
        List<String> names = new ArrayList<>();
        for (String vertex : vertices(jobId).values()) {
            for (String operator : vertex.split(" -> ")) {
                // Several chained operators fed by one output show as "(A, B)".
                if (operator.startsWith("(") && operator.endsWith(")")) {
                    for (String branch : operator.substring(1, operator.length() - 1).split(", ")) {
                        names.add(branch);
                    }
                    continue;
                }
                names.add(operator.startsWith("Source: ") ? operator.substring(8) : operator);
            }
        }
        return names;
    }

    /** Returns whether the job runs and every one of its tasks is in state RUNNING. */
    public boolean allTasksRunning(String jobId) {
        JsonNode job = job(jobId);
        if (!job.get("state").asText().equals("RUNNING")) {
            return false;
        }
        for (JsonNode vertex : job.get("vertices")) {
            JsonNode tasks = vertex.get("tasks");
            if (tasks.path("RUNNING").asInt() != vertex.get("parallelism").asInt()) {
                return false;
            }
        }
        return true;
    }

    /** Returns the checkpoint statistics of a job ({@code /jobs/:jobid/checkpoints}). */
    public JsonNode checkpoints(String jobId) {
        return getJson("/jobs/" + jobId + "/checkpoints");
    }

    /** Returns the number of completed checkpoints of a job, savepoints included. */
    public long completedCheckpoints(String jobId) {
        return checkpoints(jobId).get("counts").get("completed").asLong();
    }

    /** Returns the external path of the latest completed checkpoint, if there is one. */
    public Optional<String> latestCheckpointPath(String jobId) {
        JsonNode completed = checkpoints(jobId).path("latest").path("completed");
        if (completed.isMissingNode() || completed.isNull()) {
            return Optional.empty();
        }
        return Optional.of(completed.get("external_path").asText());
    }

    /**
     * Returns the newest checkpoint of a stopped job that is retained in the checkpoint directory.
     * Read from the directory rather than the REST API: right after a cancel, the REST statistics
     * can still name an older checkpoint than one that completed, and committed its output, at the
     * last moment; resuming from the older one would write that output again.
     */
    public Optional<String> latestRetainedCheckpoint(String jobId) {
        Path jobDir = checkpointDir().resolve(jobId);
        if (!Files.isDirectory(jobDir)) {
            return latestCheckpointPath(jobId);
        }
        try (Stream<Path> dirs = Files.list(jobDir)) {
            return dirs.filter(dir -> dir.getFileName().toString().matches("chk-\\d+"))
                    .filter(dir -> Files.exists(dir.resolve("_metadata")))
                    .max(
                            Comparator.comparingLong(
                                    dir ->
                                            Long.parseLong(
                                                    dir.getFileName().toString().substring(4))))
                    .map(dir -> "file:" + dir.toAbsolutePath());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + jobDir, e);
        }
    }

    /** Returns the id of the latest completed checkpoint, or -1 when there is none yet. */
    public long latestCheckpointId(String jobId) {
        JsonNode completed = checkpoints(jobId).path("latest").path("completed");
        return completed.isObject() ? completed.get("id").asLong() : -1;
    }

    /** Returns the user accumulators of a job by name, as the REST API prints their values. */
    public Map<String, String> accumulators(String jobId) {
        Map<String, String> values = new LinkedHashMap<>();
        for (JsonNode accumulator :
                getJson("/jobs/" + jobId + "/accumulators").get("user-task-accumulators")) {
            values.put(accumulator.get("name").asText(), accumulator.get("value").asText());
        }
        return values;
    }

    /**
     * Returns the sum over all subtasks of every operator metric named {@code metric} in a job,
     * such as a counter that several operators or subtasks register. Returns 0 when no running task
     * reports the metric.
     */
    public long metricSum(String jobId, String metric) {
        long total = 0;
        for (String vertexId : vertices(jobId).keySet()) {
            String base = "/jobs/" + jobId + "/vertices/" + vertexId + "/subtasks/metrics";
            List<String> matching = new ArrayList<>();
            for (JsonNode available : getJson(base)) {
                String id = available.get("id").asText();
                if (id.equals(metric) || id.endsWith("." + metric)) {
                    matching.add(id);
                }
            }
            if (matching.isEmpty()) {
                continue;
            }
            String query = String.join(",", matching);
            for (JsonNode value : getJson(base + "?agg=sum&get=" + query)) {
                total += (long) value.get("sum").asDouble();
            }
        }
        return total;
    }

    // ------------------------------------------------------------------ waiting

    /**
     * Waits until the job reaches {@code state}. Fails early when the job ends in another state.
     */
    public void awaitJobState(String jobId, String state, Duration timeout) {
        awaitCondition(
                "job " + jobId + " in state " + state,
                timeout,
                () -> {
                    String current = jobState(jobId);
                    if (!current.equals(state) && TERMINAL_JOB_STATES.contains(current)) {
                        throw new JobEndedException(
                                "Job "
                                        + jobId
                                        + " ended in state "
                                        + current
                                        + " while waiting for "
                                        + state
                                        + "; see the logs under "
                                        + logDir());
                    }
                    return current.equals(state);
                });
    }

    /** Waits until the job runs with all tasks RUNNING. */
    public void awaitAllTasksRunning(String jobId, Duration timeout) {
        awaitCondition(
                "all tasks of job " + jobId + " running",
                timeout,
                () -> {
                    String current = jobState(jobId);
                    if (TERMINAL_JOB_STATES.contains(current)) {
                        throw new JobEndedException(
                                "Job "
                                        + jobId
                                        + " ended in state "
                                        + current
                                        + "; see the logs under "
                                        + logDir());
                    }
                    return allTasksRunning(jobId);
                });
    }

    /** Waits until a checkpoint with an id above {@code afterId} has completed, and returns it. */
    public long awaitCheckpointAfter(String jobId, long afterId, Duration timeout) {
        awaitCondition(
                "a checkpoint after " + afterId + " of job " + jobId,
                timeout,
                () -> latestCheckpointId(jobId) > afterId);
        return latestCheckpointId(jobId);
    }

    /**
     * Polls {@code condition} every 250 ms until it holds. An exception from the condition counts
     * as "not yet", except a {@link JobEndedException}, which ends the wait at once.
     *
     * @throws IllegalStateException when it still does not hold after {@code timeout}
     */
    public static void awaitCondition(
            String description, Duration timeout, CheckedCondition condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception lastError = null;
        while (true) {
            try {
                if (condition.holds()) {
                    return;
                }
                lastError = null;
            } catch (JobEndedException e) {
                throw e;
            } catch (Exception e) {
                lastError = e;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "Timed out after " + timeout + " waiting for " + description, lastError);
            }
            try {
                Thread.sleep(POLL_INTERVAL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted waiting for " + description, e);
            }
        }
    }

    /** Failure of a wait for a job that has ended in another state, so it cannot succeed. */
    public static final class JobEndedException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        JobEndedException(String message) {
            super(message);
        }
    }

    /** A condition to poll. An exception counts as "not yet" until the deadline. */
    @FunctionalInterface
    public interface CheckedCondition {
        boolean holds() throws Exception;
    }

    // ------------------------------------------------------------------ paths

    /** Returns {@code EVENT_PIPELINE_HOME} of this cluster. */
    public Path home() {
        return home;
    }

    /** Returns the script's state directory: conf/, pid/, log/, checkpoints/, savepoints/. */
    public Path stateDir() {
        return home.resolve("flink");
    }

    /** Returns the directory with the log files of the JobManager and the TaskManagers. */
    public Path logDir() {
        return stateDir().resolve("log");
    }

    /** Returns the directory that jobs write their checkpoints to, one subdirectory per job. */
    public Path checkpointDir() {
        return stateDir().resolve("checkpoints");
    }

    /** Returns the default savepoint directory of the cluster. */
    public Path savepointDir() {
        return stateDir().resolve("savepoints");
    }

    // ------------------------------------------------------------------ classpath cache

    private Path classpathCache() {
        return projectDir.resolve("target/flink-cluster.classpath");
    }

    private void restoreCachedClasspath() {
        Path cache = classpathCache();
        Path pom = projectDir.resolve("cluster/pom.xml");
        try {
            if (Files.isRegularFile(cache)
                    && Files.getLastModifiedTime(cache).compareTo(Files.getLastModifiedTime(pom))
                            > 0) {
                Files.copy(cache, stateDir().resolve("classpath.txt"));
            }
        } catch (IOException e) {
            LOG.warn(
                    "Failed to reuse the Flink classpath {}; the script resolves it again",
                    cache,
                    e);
        }
    }

    private void cacheClasspath() {
        Path resolved = stateDir().resolve("classpath.txt");
        try {
            if (Files.isRegularFile(resolved)) {
                Path temporary = Files.createTempFile(classpathCache().getParent(), "flink", ".cp");
                Files.copy(resolved, temporary, StandardCopyOption.REPLACE_EXISTING);
                Files.move(
                        temporary,
                        classpathCache(),
                        StandardCopyOption.REPLACE_EXISTING,
                        StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException e) {
            LOG.warn("Failed to cache the Flink classpath in {}", classpathCache(), e);
        }
    }

    // ------------------------------------------------------------------ helpers

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            LOG.warn("Failed to delete {}", dir, e);
        }
    }

    private static String tail(String text) {
        return text.length() <= OUTPUT_TAIL_CHARS
                ? text
                : "..." + text.substring(text.length() - OUTPUT_TAIL_CHARS);
    }

    /**
     * Returns a loopback port that was free a moment ago.
     *
     * <p>NOTE: another process may take the port before the cluster binds it; the script then fails
     * the start with a message naming the port.
     */
    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK_HOST))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("Failed to find a free port on " + LOOPBACK_HOST, e);
        }
    }

    /** Returns the first port of {@code size} consecutive loopback ports that were all free. */
    private static int freePortRange(int size) {
        for (int attempt = 0; attempt < 50; attempt++) {
            int base = freePort();
            if (base + size > 65535) {
                continue;
            }
            boolean allFree = true;
            for (int port = base; port < base + size && allFree; port++) {
                allFree = isFree(port);
            }
            if (allFree) {
                return base;
            }
        }
        throw new IllegalStateException(
                "Found no " + size + " consecutive free ports on " + LOOPBACK_HOST);
    }

    private static boolean isFree(int port) {
        try (ServerSocket socket =
                new ServerSocket(port, 1, InetAddress.getByName(LOOPBACK_HOST))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    // ------------------------------------------------------------------ nested types

    /** Exit code, combined stdout and stderr, and duration of one script command. */
    public static final class CommandResult {
        public final List<String> args;
        public final int exitCode;
        public final String output;
        public final Duration duration;

        CommandResult(List<String> args, int exitCode, String output, Duration duration) {
            this.args = args;
            this.exitCode = exitCode;
            this.output = output;
            this.duration = duration;
        }

        /** Returns the command, its exit code and the end of its output, for messages. */
        public String describe() {
            return String.join(" ", args)
                    + " exited with "
                    + exitCode
                    + " after "
                    + duration.toMillis()
                    + " ms; output:\n"
                    + tail(output);
        }
    }

    /**
     * Arguments of one {@code flink run -d} of the shaded job jar: Flink options (savepoint,
     * parallelism, {@code -D} settings) and the job's own {@code --job} and {@code --set}.
     */
    public static final class Submission {
        private Path jar = jobJar();
        private Path jobFile;
        private String restorePath;
        private boolean allowNonRestoredState;
        private final Map<String, String> flinkSettings = new LinkedHashMap<>();
        private final Map<String, String> jobSettings = new LinkedHashMap<>();

        /** Sets the jar to submit (default {@link #jobJar()}). */
        public Submission jar(Path jar) {
            this.jar = jar;
            return this;
        }

        /** Passes {@code --job FILE} to the job. */
        public Submission jobFile(Path file) {
            this.jobFile = file;
            return this;
        }

        /** Passes {@code --set KEY=VALUE} to the job. A later call for the same key replaces it. */
        public Submission set(String key, String value) {
            jobSettings.put(key, value);
            return this;
        }

        /** Passes every entry as {@code --set KEY=VALUE}. */
        public Submission setAll(Map<String, String> settings) {
            jobSettings.putAll(settings);
            return this;
        }

        /** Passes {@code -DKEY=VALUE} to {@code flink run}, a Flink setting of this job. */
        public Submission flinkSetting(String key, String value) {
            flinkSettings.put(key, value);
            return this;
        }

        /** Restores the job from a savepoint or retained checkpoint ({@code -s PATH}). */
        public Submission fromSavepoint(String path) {
            this.restorePath = path;
            return this;
        }

        /** Adds {@code --allowNonRestoredState}, which skips state of removed operators. */
        public Submission allowNonRestoredState() {
            this.allowNonRestoredState = true;
            return this;
        }

        /** Returns the job setting given with {@link #set}, if any. */
        public Optional<String> jobSetting(String key) {
            return Optional.ofNullable(jobSettings.get(key));
        }

        /** Returns a copy of this submission, to change one setting for a second run. */
        public Submission copy() {
            Submission copy = new Submission();
            copy.jar = jar;
            copy.jobFile = jobFile;
            copy.restorePath = restorePath;
            copy.allowNonRestoredState = allowNonRestoredState;
            copy.flinkSettings.putAll(flinkSettings);
            copy.jobSettings.putAll(jobSettings);
            return copy;
        }

        /** Returns the arguments after {@code flink}. */
        public String[] arguments() {
            List<String> args = new ArrayList<>(List.of("run", "-d"));
            if (restorePath != null) {
                args.add("-s");
                args.add(restorePath);
            }
            if (allowNonRestoredState) {
                args.add("--allowNonRestoredState");
            }
            flinkSettings.forEach((key, value) -> args.add("-D" + key + "=" + value));
            args.add(jar.toString());
            if (jobFile != null) {
                args.add("--job");
                args.add(jobFile.toString());
            }
            jobSettings.forEach(
                    (key, value) -> {
                        args.add("--set");
                        args.add(key + "=" + value);
                    });
            return args.toArray(new String[0]);
        }
    }

    /** Settings for a {@link FlinkCluster}; every setting is optional. */
    public static final class Builder {
        private Path projectDir = Paths.get("");
        private String name = "cluster";
        private int taskManagers = 1;
        private Duration commandTimeout = Duration.ofMinutes(3);

        private Builder() {}

        /** Sets the repository root that contains {@code scripts/} (default: working directory). */
        public Builder projectDir(Path dir) {
            this.projectDir = dir;
            return this;
        }

        /** Sets the name of the state directory under {@code target/flink-clusters/}. */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /** Sets the number of TaskManagers started with the cluster (default 1). */
        public Builder taskManagers(int count) {
            if (count < 0) {
                throw new IllegalArgumentException("taskManagers must be >= 0, got " + count);
            }
            this.taskManagers = count;
            return this;
        }

        /** Sets how long one script command may take (default 3 min). */
        public Builder commandTimeout(Duration timeout) {
            this.commandTimeout = timeout;
            return this;
        }

        /** Starts the cluster and waits until all TaskManagers have registered. */
        public FlinkCluster start() {
            FlinkCluster cluster = new FlinkCluster(this);
            try {
                cluster.startCluster(taskManagers);
            } catch (RuntimeException e) {
                cluster.stop();
                throw e;
            }
            return cluster;
        }
    }
}
