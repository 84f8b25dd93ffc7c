package dev.eventpipeline.metrics;

import dev.eventpipeline.testing.ExportedMetrics;
import dev.eventpipeline.testing.FlinkCluster;
import dev.eventpipeline.testing.KafkaTestIo;
import dev.eventpipeline.testing.MonitoringFiles;
import dev.eventpipeline.testing.PrometheusScrape;
import dev.eventpipeline.testing.SharedClusterTest;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Scrapes the Prometheus reporters of a standalone Flink cluster while the job runs on it. The
 * job's counters must equal the known makeup of the input, and the Kafka source's lag must fall to
 * zero once the input is consumed. The event-time lag must follow the watermark, and every metric
 * that the alert rules and the dashboard use must be exported.
 */
class PrometheusMetricsIT extends SharedClusterTest {

    private static final Logger LOG = LoggerFactory.getLogger(PrometheusMetricsIT.class);

    private static final Pattern REPORTER_PORT =
            Pattern.compile("Started PrometheusReporter HTTP server on port (\\d+)");
    private static final Duration TIMEOUT = Duration.ofMinutes(2);
    private static final long WINDOW_MILLIS = 10_000;

    @Test
    void scrapeShowsInputMakeupAndLag() throws Exception {
        String run = "metrics-" + UUID.randomUUID().toString().substring(0, 8);
        String input = "events-" + run;
        broker.createTopic(input, 2);
        broker.createTopic("aggregates-" + run, 1);
        broker.createTopic("dead-letters-" + run, 1);

        String jobId =
                cluster.submit(
                        new FlinkCluster.Submission()
                                .set("name", run)
                                .set("source.bootstrap-servers", broker.bootstrapServers())
                                .set("source.topic", input)
                                .set("sink.topic", "aggregates-" + run)
                                .set("dlq.topic", "dead-letters-" + run)
                                .set("windows", "tumbling:10s")
                                .set("watermark.max-out-of-orderness", "0ms")
                                .set("parallelism", "2")
                                // Kafka's records-lag-max is a maximum over the last two sample
                                // windows (30 s each by default); 5 s windows let it show the
                                // lag of the last fetches within seconds.
                                .set("source.properties.metrics.sample.window.ms", "5000"));
        cluster.awaitAllTasksRunning(jobId, TIMEOUT);
        List<Integer> ports = reporterPorts();
        Predicate<PrometheusScrape.Sample> ofJob = sample -> jobId.equals(sample.label("job_id"));

        // Window [t0, t0 + 10 s) lies in the past, so the event-time lag is a known size.
        long t0 = Math.floorDiv(System.currentTimeMillis(), WINDOW_MILLIS) * WINDOW_MILLIS - 60_000;
        try (KafkaProducer<byte[], byte[]> producer =
                KafkaTestIo.producer(broker.bootstrapServers())) {
            send(producer, input, 0, event("v1", t0 + 1_000, "a"));
            send(producer, input, 0, event("v2", t0 + 2_000, "b"));
            send(producer, input, 0, event("v1", t0 + 3_000, "a")); // duplicate
            send(producer, input, 0, "not json"); // invalid
            send(producer, input, 1, event("v3", t0 + 4_000, "a"));
            send(producer, input, 1, "{\"id\":\"x\",\"ts\":" + t0 + "}"); // invalid: no key
            // Both partitions move past the window end, so the window fires.
            send(producer, input, 0, event("adv0", t0 + 15_000, "a"));
            send(producer, input, 1, event("adv1", t0 + 15_000, "b"));
        }

        // Window [t0, t0 + 10 s) contains a (v1, v3) and b (v2): two aggregates.
        awaitSum(ports, "aggregates written", ExportedMetrics.AGGREGATES_WRITTEN, ofJob, 2);

        // The watermark has passed t0 + 10 s at the late router, so t0 + 5 s is late now.
        try (KafkaProducer<byte[], byte[]> producer =
                KafkaTestIo.producer(broker.bootstrapServers())) {
            send(producer, input, 0, event("late1", t0 + 5_000, "a")); // late
            send(producer, input, 0, event("v2", t0 + 6_000, "b")); // duplicate
            send(producer, input, 1, event("v4", t0 + 16_000, "b"));
        }

        awaitSum(ports, "records in", ExportedMetrics.RECORDS_IN, ofJob, 11);
        awaitSum(ports, "late records", ExportedMetrics.LATE, ofJob, 1);

        // records-lag-max is a maximum over the consumer's recent fetches, and NaN once no fetch
        // returned records for two sample windows. So each subtask must show 0 at least once
        // after the last records. pendingRecords is the current lag and must read 0.
        Set<String> caughtUp = new TreeSet<>();
        FlinkCluster.awaitCondition(
                "Kafka source lag of job " + jobId + " at 0",
                TIMEOUT,
                () -> {
                    PrometheusScrape scrape = PrometheusScrape.scrape(ports);
                    for (PrometheusScrape.Sample lag :
                            scrape.samples(ExportedMetrics.RECORDS_LAG_MAX, ofJob)) {
                        if (lag.value == 0) {
                            caughtUp.add(lag.label("subtask_index"));
                        }
                    }
                    List<PrometheusScrape.Sample> pending =
                            scrape.samples(ExportedMetrics.PENDING_RECORDS, ofJob);
                    return caughtUp.size() == 2
                            && pending.size() == 2
                            && scrape.sum(ExportedMetrics.PENDING_RECORDS, ofJob) == 0;
                });
        long scrapeStart = System.currentTimeMillis();
        PrometheusScrape scrape = PrometheusScrape.scrape(ports);
        long scrapeEnd = System.currentTimeMillis();
        writeJobLines(scrape, ofJob, run);

        assertThat(scrape.sum(ExportedMetrics.RECORDS_IN, ofJob)).as("records in").isEqualTo(11);
        assertThat(scrape.sum(ExportedMetrics.INVALID, ofJob)).as("invalid").isEqualTo(2);
        assertThat(scrape.sum(ExportedMetrics.FAILED, ofJob)).as("failed").isEqualTo(0);
        assertThat(scrape.sum(ExportedMetrics.DUPLICATES, ofJob)).as("duplicates").isEqualTo(2);
        assertThat(scrape.sum(ExportedMetrics.LATE, ofJob)).as("late").isEqualTo(1);
        assertThat(scrape.sum(ExportedMetrics.ACCEPTED, ofJob)).as("accepted").isEqualTo(6);
        assertThat(scrape.sum(ExportedMetrics.AGGREGATES_WRITTEN, ofJob))
                .as("aggregates written")
                .isEqualTo(2);
        assertThat(scrape.sum(ExportedMetrics.DEAD_LETTERS_WRITTEN, reason(ofJob, "invalid")))
                .as("dead letters written, reason invalid")
                .isEqualTo(2);
        assertThat(scrape.sum(ExportedMetrics.DEAD_LETTERS_WRITTEN, reason(ofJob, "late")))
                .as("dead letters written, reason late")
                .isEqualTo(1);
        assertThat(scrape.sum(ExportedMetrics.DEAD_LETTERS_WRITTEN, reason(ofJob, "failed")))
                .as("dead letters written, reason failed")
                .isEqualTo(0);
        assertThat(scrape.sum(ExportedMetrics.DEDUP_IDS_STORED, ofJob))
                .as("dedup ids stored")
                .isEqualTo(7);
        // The id filter spares the read of each new id: only the duplicates read the state.
        assertThat(scrape.sum(ExportedMetrics.DEDUP_STATE_READS, ofJob))
                .as("dedup state reads")
                .isEqualTo(2);

        // Both partitions have read t0 + 15 s or later, so the job's watermark is at least
        // t0 + 15 s - 1 ms and at most t0 + 16 s - 1 ms.
        List<PrometheusScrape.Sample> lags = scrape.samples(ExportedMetrics.EVENT_TIME_LAG, ofJob);
        assertThat(lags).as("event-time lag of each subtask").hasSize(2);
        for (PrometheusScrape.Sample lag : lags) {
            assertThat((long) lag.value)
                    .as("event-time lag of subtask " + lag.label("subtask_index"))
                    .isBetween(scrapeStart - (t0 + 16_000), scrapeEnd - (t0 + 15_000) + 1);
        }

        // Flink's own metrics that the alert rules and the dashboard use, from the JobManager
        // and the TaskManager of this job.
        Set<String> missing = new TreeSet<>(MonitoringFiles.metricNamesInUse());
        missing.removeAll(scrape.names());
        assertThat(missing).as("metrics used by alerts and dashboard but not exported").isEmpty();
    }

    /** Finds the reporter ports of the JobManager and TaskManagers in the cluster's logs. */
    private static List<Integer> reporterPorts() throws IOException {
        List<Integer> ports = new ArrayList<>();
        try (Stream<Path> logs = Files.list(cluster.logDir())) {
            for (Path log : logs.filter(p -> p.toString().endsWith(".log")).toList()) {
                Matcher matcher = REPORTER_PORT.matcher(Files.readString(log));
                while (matcher.find()) {
                    ports.add(Integer.parseInt(matcher.group(1)));
                }
            }
        }
        assertThat(ports).as("Prometheus reporter ports in " + cluster.logDir()).isNotEmpty();
        return ports;
    }

    private static void awaitSum(
            List<Integer> ports,
            String what,
            String metric,
            Predicate<PrometheusScrape.Sample> filter,
            double expected) {
        FlinkCluster.awaitCondition(
                what + " = " + expected,
                TIMEOUT,
                () -> PrometheusScrape.scrape(ports).sum(metric, filter) == expected);
    }

    private static double max(
            PrometheusScrape scrape, String metric, Predicate<PrometheusScrape.Sample> filter) {
        return scrape.samples(metric, filter).stream()
                .mapToDouble(sample -> sample.value)
                .max()
                .orElse(Double.NaN);
    }

    private static Predicate<PrometheusScrape.Sample> reason(
            Predicate<PrometheusScrape.Sample> ofJob, String reason) {
        return ofJob.and(sample -> reason.equals(sample.label("reason")));
    }

    /**
     * Logs the job's own metric lines of one scrape and writes them to {@code
     * target/prometheus-scrape-<run>.txt}, as an example of what Prometheus sees.
     */
    private static void writeJobLines(
            PrometheusScrape scrape, Predicate<PrometheusScrape.Sample> ofJob, String run)
            throws IOException {
        Set<String> own = ExportedMetrics.jobOwnNames();
        String lines =
                scrape.samples().stream()
                        .filter(ofJob)
                        .filter(sample -> own.contains(sample.name))
                        .map(sample -> sample.line)
                        .sorted()
                        .collect(Collectors.joining("\n"));
        Path file = Path.of("target", "prometheus-scrape-" + run + ".txt");
        Files.writeString(file, lines + "\n", StandardCharsets.UTF_8);
        LOG.info("Job metric lines of one scrape, also in {}:\n{}", file, lines);
    }

    private static void send(
            KafkaProducer<byte[], byte[]> producer, String topic, int partition, String value)
            throws Exception {
        producer.send(
                        new ProducerRecord<>(
                                topic, partition, null, value.getBytes(StandardCharsets.UTF_8)))
                .get();
    }

    private static String event(String id, long ts, String key) {
        return "{\"id\":\"" + id + "\",\"ts\":" + ts + ",\"key\":\"" + key + "\",\"value\":1}";
    }
}
