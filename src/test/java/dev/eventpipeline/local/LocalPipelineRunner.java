package dev.eventpipeline.local;

import dev.eventpipeline.config.ConfigException;
import dev.eventpipeline.config.JobConfig;
import dev.eventpipeline.config.JobConfigLoader;
import dev.eventpipeline.job.PipelineJob;
import dev.eventpipeline.metrics.PipelineMetrics;
import dev.eventpipeline.testing.KafkaBroker;
import dev.eventpipeline.testing.KafkaTestIo;
import dev.eventpipeline.testing.OutputChecks;

import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.zip.GZIPInputStream;

/**
 * Runs the real job locally end to end: starts an Apache Kafka broker process, creates the topics,
 * loads a dataset, runs the job in an embedded Flink with the web UI, shows progress, and prints
 * what came out. Bounded by default; {@code --continuous} keeps the job running until Ctrl-C, then
 * stops everything it started.
 *
 * <p>Lives in the test tree so the broker launcher and test-only dependencies stay out of the
 * shaded jar. Start it with {@code scripts/run-local.sh}.
 */
public final class LocalPipelineRunner {

    private static final Logger LOG = LoggerFactory.getLogger(LocalPipelineRunner.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String USAGE =
            "Usage: scripts/run-local.sh [--job FILE] [--data FILE.jsonl[.gz]] [--partitions N]"
                    + " [--continuous] [--web-port N] [--set KEY=VALUE]...";

    private LocalPipelineRunner() {}

    public static void main(String[] args) throws Exception {
        if (JobConfigLoader.asksForHelp(args)) {
            System.out.println(USAGE);
            return;
        }
        Options options;
        try {
            options = Options.parse(args);
            // Checks the job file and the overrides before a broker starts; the run loads them
            // again with the broker's address.
            jobConfig(options, "127.0.0.1:9092", "check");
        } catch (IllegalArgumentException | ConfigException e) {
            System.err.println("error: " + e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        try {
            new Run(options).execute();
        } catch (ConfigException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
        }
    }

    /**
     * Loads the job configuration of a local run against the broker at {@code bootstrapServers}.
     */
    static JobConfig jobConfig(Options options, String bootstrapServers, String runName) {
        List<String> args = new ArrayList<>();
        if (Files.exists(options.job)) {
            args.add("--job");
            args.add(options.job.toString());
        } else {
            throw new IllegalArgumentException(
                    "job file not found: " + options.job + "; pass an existing file with --job");
        }
        args.add("--set");
        args.add("source.bootstrap-servers=" + bootstrapServers);
        args.add("--set");
        args.add("bounded=" + !options.continuous);
        args.add("--set");
        args.add("source.group-id=local-run-" + runName);
        for (String override : options.overrides) {
            args.add("--set");
            args.add(override);
        }
        return JobConfigLoader.fromArgs(args.toArray(new String[0]));
    }

    /** Command-line options of a local run. */
    static final class Options {
        Path job = Path.of("jobs/usgs-earthquakes.yaml");
        Path data = Path.of("data/usgs-earthquakes.jsonl.gz");
        int partitions = 4;
        boolean continuous;
        int webPort = 8081;
        final List<String> overrides = new ArrayList<>();

        static Options parse(String[] args) {
            Options options = new Options();
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                if (arg.equals("--continuous")) {
                    options.continuous = true;
                    continue;
                }
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("unknown option or missing value: " + arg);
                }
                String value = args[++i];
                switch (arg) {
                    case "--job":
                        options.job = Path.of(value);
                        break;
                    case "--data":
                        options.data = Path.of(value);
                        break;
                    case "--partitions":
                        options.partitions = Integer.parseInt(value);
                        break;
                    case "--web-port":
                        options.webPort = Integer.parseInt(value);
                        break;
                    case "--set":
                        options.overrides.add(value);
                        break;
                    default:
                        throw new IllegalArgumentException("unknown option: " + arg);
                }
            }
            if (!Files.isRegularFile(options.data)) {
                throw new IllegalArgumentException("data file not found: " + options.data);
            }
            return options;
        }
    }

    /** One local run: broker, topics, data, job, report. */
    static final class Run {
        private final Options options;
        private final Path workDir;

        Run(Options options) throws IOException {
            this.options = options;
            Path local = Path.of(".local", "run");
            Files.createDirectories(local);
            this.workDir = Files.createTempDirectory(local, "run-");
        }

        void execute() throws Exception {
            System.out.println("Starting an Apache Kafka broker process (KRaft, loopback only)...");
            try (KafkaBroker broker =
                    KafkaBroker.builder().workDir(workDir.resolve("kafka")).start()) {
                System.out.println(
                        "Kafka broker at " + broker.bootstrapServers() + ", pid " + broker.pid());
                JobConfig config =
                        jobConfig(
                                options,
                                broker.bootstrapServers(),
                                workDir.getFileName().toString());
                broker.createTopic(config.sourceTopic(), options.partitions);
                broker.createTopic(config.sinkTopic(), 1);
                broker.createTopic(config.deadLetterTopic(), 1);
                long loaded = load(broker, config.sourceTopic());
                System.out.printf(
                        "Loaded %,d records from %s into topic '%s' (%d partitions)%n",
                        loaded, options.data, config.sourceTopic(), options.partitions);

                JobResultSummary summary = runJob(config, loaded);
                report(broker, config, summary);
            } finally {
                deleteQuietly(workDir);
            }
        }

        private long load(KafkaBroker broker, String topic) throws IOException {
            long count = 0;
            try (KafkaProducer<byte[], byte[]> producer =
                            KafkaTestIo.producer(broker.bootstrapServers());
                    BufferedReader reader = open(options.data)) {
                String line;
                while ((line = reader.readLine()) != null) {
                    if (line.isEmpty()) {
                        continue;
                    }
                    byte[] key = keyOf(line);
                    producer.send(
                            new ProducerRecord<>(
                                    topic, key, line.getBytes(StandardCharsets.UTF_8)));
                    count++;
                }
                producer.flush();
            }
            return count;
        }

        private static byte[] keyOf(String line) {
            try {
                JsonNode key = JSON.readTree(line).get("key");
                return key == null || key.isNull()
                        ? null
                        : key.asText().getBytes(StandardCharsets.UTF_8);
            } catch (IOException e) {
                // Not JSON: the job will dead-letter it; produce it without a key.
                return null;
            }
        }

        private static BufferedReader open(Path data) throws IOException {
            var in = Files.newInputStream(data);
            var stream = data.toString().endsWith(".gz") ? new GZIPInputStream(in, 1 << 16) : in;
            return new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8));
        }

        private JobResultSummary runJob(JobConfig config, long loaded) throws Exception {
            Configuration flink = new Configuration();
            int port = freeOr(options.webPort);
            flink.set(RestOptions.PORT, port);
            flink.set(
                    CheckpointingOptions.CHECKPOINTS_DIRECTORY,
                    workDir.resolve("checkpoints").toAbsolutePath().toUri().toString());
            StreamExecutionEnvironment env =
                    StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(flink);
            env.setParallelism(config.parallelism() == null ? 2 : config.parallelism());
            PipelineJob.define(env, config);
            JobClient client = env.executeAsync(config.name());
            String webUi = "http://localhost:" + port;
            System.out.println("Job '" + config.name() + "' running; Flink web UI: " + webUi);

            CountDownLatch stopped = new CountDownLatch(1);
            if (options.continuous) {
                Runtime.getRuntime()
                        .addShutdownHook(
                                new Thread(
                                        () -> {
                                            System.out.println(
                                                    "\nStopping the job and the broker...");
                                            client.cancel().join();
                                            try {
                                                stopped.await();
                                            } catch (InterruptedException e) {
                                                Thread.currentThread().interrupt();
                                            }
                                        }));
                System.out.println("Continuous mode: press Ctrl-C to stop.");
            }
            Progress progress = new Progress(webUi, client.getJobID().toString(), loaded);
            CompletableFuture<JobExecutionResult> result = client.getJobExecutionResult();
            try {
                while (!result.isDone()) {
                    progress.print();
                    try {
                        result.get(2, TimeUnit.SECONDS);
                    } catch (TimeoutException stillRunning) {
                        // Poll again.
                    }
                }
                return JobResultSummary.of(result.get());
            } catch (ExecutionException e) {
                if (options.continuous) {
                    return JobResultSummary.cancelled(JobStatus.CANCELED);
                }
                throw e;
            } finally {
                stopped.countDown();
            }
        }

        private void report(KafkaBroker broker, JobConfig config, JobResultSummary summary) {
            System.out.println();
            if (summary.counts == null) {
                System.out.println("Job ended with status " + summary.status + ".");
                return;
            }
            Map<String, Long> counts = summary.counts;
            long in = counts.get(PipelineMetrics.RECORDS_IN);
            long invalid = counts.get(PipelineMetrics.INVALID);
            long duplicates = counts.get(PipelineMetrics.DUPLICATES);
            long late = counts.get(PipelineMetrics.LATE);
            long accepted = counts.get(PipelineMetrics.ACCEPTED);
            System.out.println("=== Contract counts ===");
            System.out.printf("  records in   %,10d%n", in);
            System.out.printf("  invalid      %,10d%n", invalid);
            System.out.printf("  duplicates   %,10d%n", duplicates);
            System.out.printf("  late         %,10d%n", late);
            System.out.printf("  accepted     %,10d%n", accepted);
            System.out.printf(
                    "  in = invalid + duplicates + late + accepted: %,d = %,d  %s%n",
                    in,
                    invalid + duplicates + late + accepted,
                    in == invalid + duplicates + late + accepted ? "(balanced)" : "(NOT BALANCED)");

            List<ConsumerRecord<byte[], byte[]>> letters =
                    KafkaTestIo.readCommitted(broker.bootstrapServers(), config.deadLetterTopic());
            Map<String, Integer> byReason = new TreeMap<>();
            for (ConsumerRecord<byte[], byte[]> letter : letters) {
                byReason.merge(OutputChecks.headers(letter).get("dlq.reason"), 1, Integer::sum);
            }
            System.out.println(
                    "=== Dead letters by reason (topic '" + config.deadLetterTopic() + "') ===");
            if (byReason.isEmpty()) {
                System.out.println("  none");
            }
            byReason.forEach((reason, n) -> System.out.printf("  %-8s %,10d%n", reason, n));

            List<ConsumerRecord<byte[], byte[]>> aggregates =
                    KafkaTestIo.readCommitted(broker.bootstrapServers(), config.sinkTopic());
            System.out.printf(
                    "=== Aggregates: %,d records in topic '%s'; the 15 with the highest count ===%n",
                    aggregates.size(), config.sinkTopic());
            printTable(aggregates);
        }

        private static void printTable(List<ConsumerRecord<byte[], byte[]>> aggregates) {
            List<JsonNode> values = new ArrayList<>();
            for (ConsumerRecord<byte[], byte[]> record : aggregates) {
                try {
                    values.add(JSON.readTree(record.value()));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            values.sort(Comparator.comparingLong((JsonNode v) -> -v.get("count").asLong()));
            System.out.printf(
                    "  %-16s %-8s %-24s %7s %8s %8s %8s%n",
                    "window", "key", "start", "count", "min", "avg", "max");
            for (JsonNode v : values.subList(0, Math.min(15, values.size()))) {
                System.out.printf(
                        "  %-16s %-8s %-24s %7d %8s %8s %8s%n",
                        v.get("window").asText(),
                        v.get("key").asText(),
                        v.get("start").asText(),
                        v.get("count").asLong(),
                        number(v.get("min")),
                        number(v.get("avg")),
                        number(v.get("max")));
            }
        }

        private static String number(JsonNode node) {
            return node == null || node.isNull() ? "-" : String.format("%.2f", node.asDouble());
        }
    }

    /** Counts of a finished job, or the status of one that did not finish. */
    static final class JobResultSummary {
        final JobStatus status;
        final Map<String, Long> counts;

        private JobResultSummary(JobStatus status, Map<String, Long> counts) {
            this.status = status;
            this.counts = counts;
        }

        static JobResultSummary of(JobExecutionResult result) {
            Map<String, Long> counts = new TreeMap<>();
            for (String name :
                    List.of(
                            PipelineMetrics.RECORDS_IN,
                            PipelineMetrics.INVALID,
                            PipelineMetrics.DUPLICATES,
                            PipelineMetrics.LATE,
                            PipelineMetrics.ACCEPTED)) {
                Object value = result.getAccumulatorResult(name);
                counts.put(name, value == null ? 0L : ((Number) value).longValue());
            }
            return new JobResultSummary(JobStatus.FINISHED, counts);
        }

        static JobResultSummary cancelled(JobStatus status) {
            return new JobResultSummary(status, null);
        }
    }

    /** Prints one progress line from the job's REST API: records read so far. */
    static final class Progress {
        private final HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        private final String jobUrl;
        private final long total;
        private long lastPrinted = -1;

        Progress(String webUi, String jobId, long total) {
            this.jobUrl = webUi + "/jobs/" + jobId;
            this.total = total;
        }

        void print() {
            try {
                HttpResponse<String> response =
                        http.send(
                                HttpRequest.newBuilder(URI.create(jobUrl))
                                        .timeout(Duration.ofSeconds(2))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
                JsonNode job = JSON.readTree(response.body());
                long read = 0;
                long windowed = 0;
                for (JsonNode vertex : job.path("vertices")) {
                    String name = vertex.path("name").asText();
                    JsonNode metrics = vertex.path("metrics");
                    if (name.startsWith("Source")) {
                        read += metrics.path("write-records").asLong();
                    }
                    if (name.contains("Window")) {
                        windowed += metrics.path("write-records").asLong();
                    }
                }
                if (read != lastPrinted) {
                    System.out.printf(
                            "  %s: read %,d of %,d records (%.0f %%), %,d window results so far%n",
                            job.path("state").asText(),
                            read,
                            total,
                            total == 0 ? 100.0 : 100.0 * read / total,
                            windowed);
                    lastPrinted = read;
                }
            } catch (IOException e) {
                LOG.debug("Progress poll failed: {}", e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static int freeOr(int preferred) throws IOException {
        try (ServerSocket socket = new ServerSocket(preferred)) {
            return preferred;
        } catch (IOException taken) {
            try (ServerSocket socket = new ServerSocket(0)) {
                System.out.println(
                        "Port "
                                + preferred
                                + " is taken; the web UI uses port "
                                + socket.getLocalPort());
                return socket.getLocalPort();
            }
        }
    }

    private static void deleteQuietly(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            LOG.warn("Cannot delete {}: {}", dir, e.toString());
        }
    }
}
