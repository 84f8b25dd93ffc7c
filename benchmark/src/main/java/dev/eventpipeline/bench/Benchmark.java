package dev.eventpipeline.bench;

import dev.eventpipeline.config.WindowSpec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Measures the job, the Kafka Streams peer and Kafka's raw consumer on one generated topic, in
 * several rounds, and prints the side-by-side table. See docs/benchmarks.md.
 */
public final class Benchmark {

    private static final Logger LOG = LoggerFactory.getLogger(Benchmark.class);
    private static final ObjectMapper JSON =
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** The Kafka consumer's log line when the source reader positions a partition. */
    private static final Pattern SEEK_LINE =
            Pattern.compile(
                    "^(\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2},\\d{3}) .*"
                            + "(Resetting offset for partition|Seeking to offset"
                            + "|Setting offset for partition)");

    private static final DateTimeFormatter LOG_TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss,SSS");

    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(10);
    private static final Duration QUIET = Duration.ofSeconds(3);

    private final Path repo;
    private final Path home;
    private final String bootstrapServers;
    private final long brokerPid;
    private final EventGenerator.Settings settings;
    private final List<WindowSpec> windows;
    private final FlinkCluster cluster;
    private final Path jobJar;
    private final Path baselineJar;
    private final String benchmarkClasspath;
    private final String brokerClasspath;
    private final String checkpointInterval;
    private final String inputTopic;
    private final String runId;
    private final boolean profile;
    private final String peerLateRule;
    private GeneratedInput input;

    Benchmark(Args args) {
        this.repo = Path.of(args.required("repo")).toAbsolutePath();
        this.home = Path.of(args.required("home")).toAbsolutePath();
        this.bootstrapServers = args.required("bootstrap-servers");
        this.brokerPid = args.getLong("broker-pid", -1);
        this.settings = generatorSettings(args);
        this.windows = List.of(WindowSpec.tumbling(60_000), WindowSpec.sliding(300_000, 60_000));
        this.cluster =
                new FlinkCluster(
                        repo,
                        home,
                        args.getInt("rest-port", 38081),
                        args.getInt("rpc-port", 36123),
                        args.get("metrics-ports", "39250-39260"));
        this.jobJar = repo.resolve(args.get("job-jar", "target/event-pipeline.jar"));
        // Another build of the job, measured as contender "baseline", e.g. before a change.
        String baseline = args.get("baseline-jar", "");
        this.baselineJar = baseline.isEmpty() ? null : repo.resolve(baseline);
        this.benchmarkClasspath = args.required("benchmark-classpath");
        this.brokerClasspath = args.required("broker-classpath");
        this.checkpointInterval = args.get("checkpoint-interval", "2s");
        this.runId = args.get("run-id", Long.toString(System.currentTimeMillis() / 1000));
        this.inputTopic = "bench-events-" + runId;
        this.profile = Boolean.parseBoolean(args.get("profile", "false"));
        this.peerLateRule = args.get("peer-late-rule", "watermark");
    }

    static EventGenerator.Settings generatorSettings(Args args) {
        EventGenerator.Settings settings = new EventGenerator.Settings();
        settings.events = args.getLong("events", settings.events);
        settings.partitions = args.getInt("partitions", settings.partitions);
        settings.keys = args.getInt("keys", settings.keys);
        settings.seed = args.getLong("seed", settings.seed);
        // A whole hour a day before now: old enough for every broker, aligned to every window.
        long hour = 3_600_000L;
        settings.startMillis = (System.currentTimeMillis() / hour - 24) * hour;
        return settings;
    }

    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        Benchmark benchmark = new Benchmark(args);
        int rounds = args.getInt("rounds", 3);
        List<String> contenders = List.of(args.get("contenders", "raw,job,peer").split(","));
        boolean probeState = Boolean.parseBoolean(args.get("state-probe", "true"));
        args.rejectUnused();
        benchmark.run(rounds, contenders, probeState);
    }

    void run(int rounds, List<String> contenders, boolean probeState) throws Exception {
        Path results = home.resolve("results/" + runId);
        Files.createDirectories(results);
        LOG.info("Benchmark {}: {}", runId, settings.describe());

        KafkaIo.warmUp(bootstrapServers, "bench-warm-up-" + runId);
        KafkaIo.createTopics(bootstrapServers, Map.of(inputTopic, settings.partitions));
        long loadStart = System.nanoTime();
        input = new GeneratedInput(Math.toIntExact(settings.events));
        long loaded =
                KafkaIo.load(bootstrapServers, inputTopic, new EventGenerator(settings), input);
        LOG.info(
                "Loaded {} records into {} in {} s",
                loaded,
                inputTopic,
                String.format("%.1f", (System.nanoTime() - loadStart) / 1e9));
        long expectedAggregates = ExpectedCounts.aggregates(input, windows);
        LOG.info("Expecting {} aggregates when no event is late", expectedAggregates);

        List<RoundResult> all = new ArrayList<>();
        StateProbe.Result state = null;
        boolean withJob = contenders.contains("job") || contenders.contains("baseline");
        if (withJob) {
            cluster.start();
        }
        try {
            runRounds(rounds, contenders, expectedAggregates, results, all);
            if (probeState && withJob) {
                cluster.restartTaskManager();
                state = new StateProbe(this).run();
                JSON.writeValue(results.resolve("state-probe.json").toFile(), state);
            }
        } finally {
            if (withJob) {
                cluster.stop();
            }
        }
        String table = Report.table(settings, all, state, checkpointInterval);
        Files.writeString(results.resolve("table.txt"), table);
        System.out.println(table);
        LOG.info("Results are in {}", results);
        KafkaIo.deleteTopicsWithPrefix(bootstrapServers, inputTopic);
    }

    private void runRounds(
            int rounds,
            List<String> contenders,
            long expectedAggregates,
            Path results,
            List<RoundResult> all)
            throws Exception {
        boolean freshTaskManager = true;
        for (int round = 1; round <= rounds; round++) {
            // Alternate job and peer so neither always runs first on a machine whose load changes.
            List<String> order = new ArrayList<>(contenders);
            if (round % 2 == 0 && order.contains("job") && order.contains("peer")) {
                int job = order.indexOf("job");
                int peer = order.indexOf("peer");
                order.set(job, "peer");
                order.set(peer, "job");
            }
            for (String contender : order) {
                RoundResult result;
                switch (contender) {
                    case "raw":
                        result = runRaw(round);
                        break;
                    case "job":
                    case "baseline":
                        if (!freshTaskManager) {
                            cluster.restartTaskManager();
                        }
                        result = runJob(round, expectedAggregates, contender);
                        freshTaskManager = false;
                        break;
                    case "peer":
                        result = runPeer(round, expectedAggregates);
                        break;
                    default:
                        throw new IllegalArgumentException(
                                "unknown contender '" + contender + "': expected raw, job or peer");
                }
                all.add(result);
                LOG.info(
                        "Round {} {}: {} events/s, {} s, {} CPU-s, peak RSS {}",
                        round,
                        contender,
                        String.format("%.0f", result.eventsPerSecond),
                        String.format("%.2f", result.seconds),
                        String.format("%.2f", result.cpuSeconds),
                        Double.isNaN(result.peakRssMib)
                                ? "not measured"
                                : String.format("%.0f MiB", result.peakRssMib));
                JSON.writeValue(results.resolve("rounds.json").toFile(), all);
            }
        }
    }

    // ------------------------------------------------------------------ raw consumer

    private RoundResult runRaw(int round) throws IOException, InterruptedException {
        RoundResult result = new RoundResult();
        result.contender = "raw";
        result.round = round;
        List<String> command =
                List.of(
                        javaBinary(),
                        "-Xmx1g",
                        "-cp",
                        brokerClasspath,
                        "org.apache.kafka.tools.ConsumerPerformance",
                        "--bootstrap-server",
                        bootstrapServers,
                        "--topic",
                        inputTopic,
                        "--messages",
                        Long.toString(settings.events),
                        "--group",
                        "bench-raw-" + runId + "-" + round,
                        "--timeout",
                        "60000");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        double brokerBefore = brokerCpu();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        double cpu = ProcessStats.cpuSeconds(process.pid());
        if (!process.waitFor(5, TimeUnit.MINUTES) || process.exitValue() != 0) {
            throw new IllegalStateException("ConsumerPerformance failed:\n" + output);
        }
        result.brokerCpuSeconds = brokerCpu() - brokerBefore;
        result.cpuSeconds = cpu;
        // The last line contains the figures: start.time, end.time, data.consumed.in.MB, MB.sec,
        // data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec,
        // fetch.nMsg.sec.
        String[] lines = output.trim().split("\n");
        String[] fields = lines[lines.length - 1].split(",\\s*");
        if (fields.length < 10) {
            throw new IllegalStateException("unexpected ConsumerPerformance output:\n" + output);
        }
        long messages = Long.parseLong(fields[4].trim());
        double fetchMillis = Double.parseDouble(fields[7].trim());
        result.recordsIn = messages;
        result.seconds = fetchMillis / 1000.0;
        result.eventsPerSecond = Double.parseDouble(fields[9].trim());
        result.note =
                "ConsumerPerformance fetch.nMsg.sec; nMsg.sec with group join " + fields[5].trim();
        LOG.info("ConsumerPerformance: {}", lines[lines.length - 1]);
        return result;
    }

    // ------------------------------------------------------------------ job

    private RoundResult runJob(int round, long expectedAggregates, String contender)
            throws Exception {
        RoundResult result = new RoundResult();
        result.contender = contender;
        result.round = round;
        String name = "bench-" + contender + "-" + runId + "-" + round;
        Path jar = contender.equals("baseline") ? baselineJar : jobJar;
        if (jar == null) {
            throw new IllegalArgumentException("contender baseline needs --baseline-jar FILE");
        }
        String output = name + "-aggregates";
        String deadLetters = name + "-dead-letters";
        KafkaIo.createTopics(bootstrapServers, Map.of(output, 1, deadLetters, 1));

        try (OutputWatcher watcher = new OutputWatcher(bootstrapServers, output, (r, t) -> {})) {
            long taskManager = cluster.taskManagerPid();
            double cpuBefore = ProcessStats.cpuSeconds(taskManager);
            double brokerBefore = brokerCpu();
            ThreadCpuSampler threads = ThreadCpuSampler.start(taskManager);
            Path recording = home.resolve("results/" + runId + "/" + name + ".jfr");
            if (profile) {
                jcmd(
                        taskManager,
                        "JFR.start",
                        "name=bench",
                        "settings=profile",
                        "filename=" + recording);
            }
            String jobId = cluster.submit(jobArguments(jar, name, output, deadLetters, true));
            LOG.info(
                    "Submitted job {} ({}) to the TaskManager with pid {}",
                    name,
                    jobId,
                    taskManager);
            JobDone done = new JobDone(cluster, jobId);
            watcher.await(expectedAggregates, done, QUIET, RUN_TIMEOUT);
            long end = watcher.lastArrivalMillis();
            result.cpuSeconds = ProcessStats.cpuSeconds(taskManager) - cpuBefore;
            threads.close();
            result.setThreadCpu(threads);
            threads.log(name);
            result.peakRssMib = ProcessStats.peakRssMib(taskManager);
            result.brokerCpuSeconds = brokerCpu() - brokerBefore;
            if (profile) {
                jcmd(taskManager, "JFR.stop", "name=bench");
                LOG.info("Profile of the TaskManager: {}", recording);
            }

            String state = cluster.awaitTerminal(jobId, Duration.ofMinutes(3));
            if (!"FINISHED".equals(state)) {
                throw new IllegalStateException("job " + name + " ended " + state);
            }
            long start = firstRecordMillis(cluster.taskManagerLog());
            result.seconds = (end - start) / 1000.0;
            Map<String, Long> counts = cluster.accumulators(jobId);
            result.recordsIn = counts.getOrDefault("recordsIn", -1L);
            result.invalid = counts.getOrDefault("invalidRecords", -1L);
            result.duplicates = counts.getOrDefault("duplicateRecords", -1L);
            result.late = counts.getOrDefault("lateRecords", -1L);
            result.accepted = counts.getOrDefault("acceptedRecords", -1L);
            result.eventsPerSecond = result.recordsIn / result.seconds;
            result.checkpointStateBytes = lastCheckpointStateBytes(jobId);
        }
        check(result, output, deadLetters);
        KafkaIo.deleteTopicsWithPrefix(bootstrapServers, name);
        return result;
    }

    /** Returns the arguments of {@code flink run} for the job on the benchmark topic. */
    List<String> jobArguments(
            Path jar, String name, String output, String deadLetters, boolean bounded) {
        List<String> arguments = new ArrayList<>();
        arguments.add("-D");
        arguments.add("execution.checkpointing.interval=" + checkpointInterval);
        arguments.add("-D");
        arguments.add("execution.checkpointing.min-pause=0ms");
        arguments.add(jar.toString());
        Map<String, String> sets = new LinkedHashMap<>();
        sets.put("name", name);
        sets.put("source.bootstrap-servers", bootstrapServers);
        sets.put("source.topic", inputTopic);
        sets.put("source.group-id", name);
        sets.put("source.starting-offsets", "earliest");
        sets.put("sink.topic", output);
        sets.put("dlq.topic", deadLetters);
        sets.put("bounded", Boolean.toString(bounded));
        sets.put("parallelism", "2");
        sets.forEach(
                (key, value) -> {
                    arguments.add("--set");
                    arguments.add(key + "=" + value);
                });
        return arguments;
    }

    /** Reports whether a job has left RUNNING, querying the REST API at most every 500 ms. */
    private static final class JobDone implements java.util.function.BooleanSupplier {
        private final FlinkCluster cluster;
        private final String jobId;
        private long nextCheck;
        private boolean done;

        JobDone(FlinkCluster cluster, String jobId) {
            this.cluster = cluster;
            this.jobId = jobId;
        }

        @Override
        public boolean getAsBoolean() {
            if (!done && System.nanoTime() > nextCheck) {
                nextCheck = System.nanoTime() + 500_000_000L;
                String state = cluster.jobState(jobId);
                done = List.of("FINISHED", "FAILED", "CANCELED").contains(state);
            }
            return done;
        }
    }

    /**
     * Returns the time at which the job's Kafka consumers positioned their first partition, from
     * the TaskManager log. That is the last moment before the first record is read.
     */
    static long firstRecordMillis(Path taskManagerLog) throws IOException {
        try (BufferedReader reader = Files.newBufferedReader(taskManagerLog)) {
            String line;
            while ((line = reader.readLine()) != null) {
                Matcher matcher = SEEK_LINE.matcher(line);
                if (matcher.find()) {
                    return LocalDateTime.parse(matcher.group(1), LOG_TIME)
                            .atZone(ZoneId.systemDefault())
                            .toInstant()
                            .toEpochMilli();
                }
            }
        }
        throw new IllegalStateException(
                "no line of " + taskManagerLog + " shows a Kafka consumer seeking a partition");
    }

    /** Full state size of the job's latest completed checkpoint, or -1 when there is none. */
    long lastCheckpointStateBytes(String jobId) {
        JsonNode latest = cluster.rest("/jobs/" + jobId + "/checkpoints").path("latest");
        // NOTE: after a bounded run this is the final checkpoint. Operators that had finished put
        // no state into it, so the state probe measures the full state instead.
        JsonNode completed = latest.path("completed");
        return completed.isMissingNode() || completed.isNull()
                ? -1
                : completed.path("state_size").asLong(-1);
    }

    // ------------------------------------------------------------------ peer

    private RoundResult runPeer(int round, long expectedAggregates) throws Exception {
        RoundResult result = new RoundResult();
        result.contender = "peer";
        result.round = round;
        String name = "bench-peer-" + runId + "-" + round;
        String output = name + "-aggregates";
        String deadLetters = name + "-dead-letters";
        KafkaIo.createTopics(bootstrapServers, Map.of(output, 1, deadLetters, 1));
        Path stateDir = home.resolve("peer-state/" + name);
        Files.createDirectories(stateDir);
        Path log = home.resolve("results/" + runId + "/" + name + ".log");
        Files.createDirectories(log.getParent());

        List<String> command = new ArrayList<>();
        command.add(javaBinary());
        if (profile) {
            command.add(
                    "-XX:StartFlightRecording=settings=profile,dumponexit=true,filename="
                            + home.resolve("results/" + runId + "/" + name + ".jfr"));
        }
        command.addAll(
                List.of(
                        "-cp",
                        benchmarkClasspath,
                        "dev.eventpipeline.bench.peer.PeerApp",
                        "--application-id",
                        name,
                        "--bootstrap-servers",
                        bootstrapServers,
                        "--input",
                        inputTopic,
                        "--output",
                        output,
                        "--dead-letters",
                        deadLetters,
                        "--job-name",
                        name,
                        "--state-dir",
                        stateDir.toString(),
                        "--late-rule",
                        peerLateRule));
        PeerStatus status = new PeerStatus();
        try (OutputWatcher watcher = new OutputWatcher(bootstrapServers, output, (r, t) -> {})) {
            double brokerBefore = brokerCpu();
            Process process =
                    new ProcessBuilder(command)
                            .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
                            .start();
            LOG.info("Started the peer {} (pid {}), log {}", name, process.pid(), log);
            ThreadCpuSampler threads = ThreadCpuSampler.start(process.pid());
            Thread reader = status.readFrom(process);
            try {
                watcher.await(
                        expectedAggregates,
                        () -> {
                            if (!process.isAlive()) {
                                throw new IllegalStateException(
                                        "the peer exited with code "
                                                + process.exitValue()
                                                + "; see "
                                                + log);
                            }
                            return status.flushedMillis > 0;
                        },
                        QUIET,
                        RUN_TIMEOUT);
                long end = watcher.lastArrivalMillis();
                result.cpuSeconds = ProcessStats.cpuSeconds(process.pid());
                threads.close();
                result.setThreadCpu(threads);
                threads.log(name);
                result.peakRssMib = ProcessStats.peakRssMib(process.pid());
                result.brokerCpuSeconds = brokerCpu() - brokerBefore;
                result.seconds = (end - status.firstRecordMillis) / 1000.0;
            } finally {
                threads.close();
                status.stopping = true;
                process.destroy();
                if (!process.waitFor(60, TimeUnit.SECONDS)) {
                    LOG.warn(
                            "The peer (pid {}) did not stop within 60 s; killing it",
                            process.pid());
                    process.destroyForcibly();
                }
                reader.join(10_000);
            }
        }
        result.recordsIn = status.counts.getOrDefault("records-in", -1L);
        result.invalid = status.counts.getOrDefault("invalid", -1L);
        result.duplicates = status.counts.getOrDefault("duplicates", -1L);
        result.late = status.counts.getOrDefault("late", -1L);
        result.accepted = status.counts.getOrDefault("accepted", -1L);
        result.eventsPerSecond = settings.events / result.seconds;
        check(result, output, deadLetters);
        KafkaIo.deleteTopicsWithPrefix(bootstrapServers, name);
        deleteRecursively(stateDir);
        return result;
    }

    /** The status lines of a running peer. */
    private static final class PeerStatus {
        volatile long firstRecordMillis;
        volatile long flushedMillis;
        volatile boolean stopping;
        final Map<String, Long> counts = new java.util.concurrent.ConcurrentHashMap<>();

        Thread readFrom(Process process) {
            Thread thread =
                    new Thread(
                            () -> {
                                try (BufferedReader reader =
                                        new BufferedReader(
                                                new InputStreamReader(
                                                        process.getInputStream(),
                                                        StandardCharsets.UTF_8))) {
                                    String line;
                                    while ((line = reader.readLine()) != null) {
                                        parse(line);
                                    }
                                } catch (IOException e) {
                                    // Expected once the peer is stopped and its pipe is closed.
                                    if (!stopping) {
                                        LOG.warn(
                                                "Reading the peer's status lines failed: {}",
                                                e.toString());
                                    }
                                }
                            },
                            "peer-status");
            thread.setDaemon(true);
            thread.start();
            return thread;
        }

        private void parse(String line) {
            if (!line.startsWith("peer-status ")) {
                return;
            }
            for (String field : line.substring("peer-status ".length()).split(" ")) {
                int eq = field.indexOf('=');
                if (eq < 0) {
                    continue;
                }
                String name = field.substring(0, eq);
                long value = Long.parseLong(field.substring(eq + 1));
                if (name.equals("first-record-millis")) {
                    firstRecordMillis = value;
                } else if (name.equals("flushed-millis")) {
                    flushedMillis = value;
                } else {
                    counts.put(name, value);
                }
            }
        }
    }

    // ------------------------------------------------------------------ shared

    private void check(RoundResult result, String output, String deadLetters) {
        OutputCheck.Result check =
                OutputCheck.check(bootstrapServers, input, windows, output, deadLetters);
        result.checked = check.passed();
        result.problems = check.problems;
        result.aggregates = check.aggregates;
        if (check.recordsIn != result.recordsIn
                || check.invalid != result.invalid
                || check.duplicates != result.duplicates
                || check.late != result.late
                || check.accepted != result.accepted) {
            result.checked = false;
            result.problems.add(
                    String.format(
                            "counts reported (in %d, invalid %d, duplicates %d, late %d, accepted"
                                    + " %d) differ from the output (in %d, invalid %d, duplicates"
                                    + " %d, late %d, accepted %d)",
                            result.recordsIn,
                            result.invalid,
                            result.duplicates,
                            result.late,
                            result.accepted,
                            check.recordsIn,
                            check.invalid,
                            check.duplicates,
                            check.late,
                            check.accepted));
        }
        if (!result.checked) {
            LOG.error(
                    "{} round {} failed the output check: {}",
                    result.contender,
                    result.round,
                    result.problems);
        }
    }

    private static void jcmd(long pid, String... arguments)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString());
        command.add(Long.toString(pid));
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException("jcmd " + List.of(arguments) + " failed:\n" + output);
        }
    }

    private double brokerCpu() {
        return brokerPid > 0 ? ProcessStats.cpuSeconds(brokerPid) : 0;
    }

    static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static void deleteRecursively(Path directory) throws IOException {
        if (!Files.exists(directory)) {
            return;
        }
        try (var paths = Files.walk(directory)) {
            paths.sorted(java.util.Comparator.reverseOrder())
                    .forEach(
                            path -> {
                                try {
                                    Files.delete(path);
                                } catch (IOException e) {
                                    LOG.warn("Cannot delete {}: {}", path, e.toString());
                                }
                            });
        }
    }

    // Accessors for StateProbe.

    FlinkCluster cluster() {
        return cluster;
    }

    String bootstrapServers() {
        return bootstrapServers;
    }

    String inputTopic() {
        return inputTopic;
    }

    String runId() {
        return runId;
    }

    Path jobJar() {
        return jobJar;
    }

    GeneratedInput input() {
        return input;
    }

    static Map<TopicPartition, OffsetAndMetadata> committedOffsets(
            String bootstrapServers, String group) throws Exception {
        try (Admin admin = KafkaIo.admin(bootstrapServers)) {
            return admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata()
                    .get(30, TimeUnit.SECONDS);
        }
    }
}
