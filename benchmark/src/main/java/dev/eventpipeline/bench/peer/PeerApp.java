package dev.eventpipeline.bench.peer;

import dev.eventpipeline.bench.Args;
import dev.eventpipeline.bench.KafkaIo;
import dev.eventpipeline.config.WindowSpec;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the Kafka Streams peer until it is stopped. Status lines for the benchmark harness go to
 * standard output, each starting with {@value #STATUS}: the wall-clock millisecond of the first
 * input record, the millisecond at which every task flushed its windows, and the four contract
 * counts, then and again when the peer stops. Logs go to standard error.
 */
public final class PeerApp {

    /** Prefix of the status lines on standard output. */
    public static final String STATUS = "peer-status ";

    private static final Logger LOG = LoggerFactory.getLogger(PeerApp.class);

    private PeerApp() {}

    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        String bootstrapServers = args.required("bootstrap-servers");
        PeerTopology.Settings settings = new PeerTopology.Settings();
        settings.inputTopic = args.required("input");
        settings.outputTopic = args.required("output");
        settings.deadLetterTopic = args.required("dead-letters");
        settings.jobName = args.get("job-name", "kafka-streams-peer");
        settings.windows = new ArrayList<>();
        for (String spec : args.get("windows", "tumbling:60s,sliding:300s/60s").split(",")) {
            settings.windows.add(WindowSpec.parse("windows", spec.trim()));
        }
        settings.grace = Duration.ofMillis(args.getLong("grace-ms", 5_000));
        String rule = args.get("late-rule", "watermark");
        settings.lateRule =
                PeerTopology.LateRule.valueOf(
                        rule.toUpperCase(java.util.Locale.ROOT).replace('-', '_'));
        settings.dedupTtl = Duration.ofMillis(args.getLong("dedup-ttl-ms", 3_600_000));
        settings.repartitionPartitions = args.getInt("repartition-partitions", 4);
        settings.endOffsets = new TreeMap<>();
        for (Map.Entry<TopicPartition, Long> end :
                KafkaIo.endOffsets(bootstrapServers, settings.inputTopic).entrySet()) {
            settings.endOffsets.put(end.getKey().partition(), end.getValue());
        }
        Properties properties = new Properties();
        properties.put(StreamsConfig.APPLICATION_ID_CONFIG, args.required("application-id"));
        properties.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        properties.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        properties.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, args.get("threads", "2"));
        properties.put(StreamsConfig.STATE_DIR_CONFIG, args.required("state-dir"));
        args.rejectUnused();
        LOG.info("Input {} ends at offsets {}", settings.inputTopic, settings.endOffsets);
        properties.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, "1");
        properties.put(
                StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        // The job's source uses the same fetch wait; see KafkaEventSource.
        properties.put(
                StreamsConfig.consumerPrefix(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG), "100");

        Topology topology = PeerTopology.build(settings);
        LOG.info("Peer topology:\n{}", topology.describe());
        KafkaStreams streams = new KafkaStreams(topology, properties);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread(
                                () -> {
                                    printCounts();
                                    streams.close(Duration.ofSeconds(30));
                                    stopped.countDown();
                                },
                                "peer-shutdown"));
        streams.setUncaughtExceptionHandler(
                e -> {
                    LOG.error("A stream thread of the peer failed; stopping the peer", e);
                    return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler
                            .StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
                });
        streams.setStateListener(
                (newState, oldState) -> {
                    if (newState == KafkaStreams.State.ERROR) {
                        LOG.error("The peer went from {} to {}; exiting", oldState, newState);
                        stopped.countDown();
                    }
                });
        streams.start();
        LOG.info("Started the peer {}", properties.get(StreamsConfig.APPLICATION_ID_CONFIG));
        reportProgress(settings.repartitionPartitions, stopped);
        if (streams.state() == KafkaStreams.State.ERROR) {
            System.exit(1);
        }
    }

    /** Prints the first-record and flush status lines as they happen, until the peer stops. */
    private static void reportProgress(int flushTasks, CountDownLatch stopped)
            throws InterruptedException {
        boolean firstPrinted = false;
        boolean flushPrinted = false;
        while (!stopped.await(20, java.util.concurrent.TimeUnit.MILLISECONDS)) {
            long first = PeerTopology.FIRST_RECORD_MILLIS.get();
            if (!firstPrinted && first != 0) {
                status("first-record-millis=" + first);
                firstPrinted = true;
            }
            if (!flushPrinted && PeerTopology.FLUSHED_TASKS.get() >= flushTasks) {
                status("flushed-millis=" + System.currentTimeMillis());
                // Every task has seen the end of all input, so the counts are final now.
                printCounts();
                flushPrinted = true;
            }
        }
    }

    private static void printCounts() {
        List<String> counts = new ArrayList<>();
        counts.add("records-in=" + PeerTopology.RECORDS_IN.get());
        counts.add("invalid=" + PeerTopology.INVALID.get());
        counts.add("duplicates=" + PeerTopology.DUPLICATES.get());
        counts.add("late=" + PeerTopology.LATE.get());
        counts.add("accepted=" + PeerTopology.ACCEPTED.get());
        status("counts " + String.join(" ", counts));
    }

    private static synchronized void status(String line) {
        PrintStream out = System.out;
        out.println(STATUS + line);
        out.flush();
    }
}
