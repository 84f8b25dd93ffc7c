package dev.eventpipeline.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A standalone Flink cluster run through the project's {@code scripts/flink-cluster.sh}, on the
 * ports and in the state directory the benchmark chooses, plus the few REST calls it needs.
 */
public final class FlinkCluster {

    private static final Logger LOG = LoggerFactory.getLogger(FlinkCluster.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern JOB_ID = Pattern.compile("JobID ([0-9a-f]{32})");
    private static final Duration SCRIPT_TIMEOUT = Duration.ofMinutes(4);

    private final Path repo;
    private final Path home;
    private final int restPort;
    private final int rpcPort;
    private final String metricsPorts;
    private int taskManager = 1;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public FlinkCluster(Path repo, Path home, int restPort, int rpcPort, String metricsPorts) {
        this.repo = repo;
        this.home = home;
        this.restPort = restPort;
        this.rpcPort = rpcPort;
        this.metricsPorts = metricsPorts;
    }

    /** Starts the JobManager and one TaskManager with two slots. */
    public void start() {
        script(List.of("start"));
        taskManager = 1;
    }

    public void stop() {
        script(List.of("stop"));
    }

    /**
     * Replaces the TaskManager with a new process, so that each measured job starts on a fresh JVM
     * as the peer does: SIGTERM to the current one, which deregisters from the JobManager and
     * releases its slots, then {@code flink-cluster.sh add-tm}.
     */
    public void restartTaskManager() throws InterruptedException {
        long pid = taskManagerPid();
        ProcessHandle handle = ProcessHandle.of(pid).orElse(null);
        if (handle != null) {
            handle.destroy();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (handle.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            if (handle.isAlive()) {
                LOG.warn("TaskManager pid {} did not exit within 60 s of SIGTERM; killing it", pid);
                handle.destroyForcibly();
            }
        }
        script(List.of("add-tm"));
        taskManager++;
        LOG.info(
                "TaskManager {} replaced by taskmanager-{} (pid {})",
                pid,
                taskManager,
                taskManagerPid());
    }

    /** Pid of the current TaskManager. */
    public long taskManagerPid() {
        return readPid("taskmanager-" + taskManager);
    }

    /** Log file of the current TaskManager. */
    public Path taskManagerLog() {
        return home.resolve("flink/log/taskmanager-" + taskManager + ".log");
    }

    /** Submits a job detached and returns its id. */
    public String submit(List<String> flinkRunArguments) {
        List<String> command = new ArrayList<>(List.of("flink", "run", "-d"));
        command.addAll(flinkRunArguments);
        String output = script(command);
        Matcher matcher = JOB_ID.matcher(output);
        if (!matcher.find()) {
            throw new IllegalStateException("flink run printed no job id:\n" + output);
        }
        return matcher.group(1);
    }

    public void cancel(String jobId) {
        script(List.of("flink", "cancel", jobId));
    }

    /** Returns the body of a GET request to the REST API, parsed as JSON. */
    public JsonNode rest(String path) {
        HttpRequest request =
                HttpRequest.newBuilder(URI.create("http://localhost:" + restPort + path))
                        .timeout(Duration.ofSeconds(10))
                        .GET()
                        .build();
        try {
            HttpResponse<String> response =
                    http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException(
                        "GET "
                                + path
                                + " returned "
                                + response.statusCode()
                                + ": "
                                + response.body());
            }
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new IllegalStateException("GET " + path + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during GET " + path, e);
        }
    }

    /** Returns the job's state, such as RUNNING or FINISHED. */
    public String jobState(String jobId) {
        return rest("/jobs/" + jobId).path("state").asText();
    }

    /** Waits until the job reaches a terminal state and returns it. */
    public String awaitTerminal(String jobId, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String state = jobState(jobId);
            if (List.of("FINISHED", "FAILED", "CANCELED").contains(state)) {
                return state;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "job " + jobId + " still " + state + " after " + timeout);
            }
            Thread.sleep(200);
        }
    }

    /** User accumulators of a job, by name. */
    public Map<String, Long> accumulators(String jobId) {
        Map<String, Long> values = new java.util.TreeMap<>();
        for (JsonNode accumulator :
                rest("/jobs/" + jobId + "/accumulators").path("user-task-accumulators")) {
            try {
                values.put(
                        accumulator.path("name").asText(),
                        Long.parseLong(accumulator.path("value").asText()));
            } catch (NumberFormatException e) {
                LOG.warn("Accumulator {} is not a number", accumulator);
            }
        }
        return values;
    }

    private long readPid(String process) {
        Path file = home.resolve("flink/pid/" + process + ".pid");
        try {
            return Long.parseLong(Files.readString(file).trim());
        } catch (IOException | NumberFormatException e) {
            throw new IllegalStateException(
                    "cannot read the pid of " + process + " from " + file, e);
        }
    }

    private String script(List<String> arguments) {
        List<String> command = new ArrayList<>();
        command.add(repo.resolve("scripts/flink-cluster.sh").toString());
        command.addAll(arguments);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.directory(repo.toFile());
        Map<String, String> env = builder.environment();
        env.put("EVENT_PIPELINE_HOME", home.toString());
        env.put("EVENT_PIPELINE_FLINK_REST_PORT", Integer.toString(restPort));
        env.put("EVENT_PIPELINE_FLINK_RPC_PORT", Integer.toString(rpcPort));
        env.put("EVENT_PIPELINE_FLINK_METRICS_PORTS", metricsPorts);
        try {
            Process process = builder.start();
            byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(SCRIPT_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("flink-cluster.sh " + arguments + " timed out");
            }
            String text = new String(output, StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                throw new IllegalStateException(
                        "flink-cluster.sh "
                                + arguments
                                + " failed with exit code "
                                + process.exitValue()
                                + ":\n"
                                + text);
            }
            LOG.debug("flink-cluster.sh {}:\n{}", arguments, text);
            return text;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run flink-cluster.sh " + arguments, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during flink-cluster.sh " + arguments, e);
        }
    }
}
