package dev.eventpipeline.source;

import dev.eventpipeline.config.JobConfig;
import dev.eventpipeline.model.SourceRecord;

import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Properties;

/** Builds the {@link KafkaSource} that reads input events as the job file describes. */
public final class KafkaEventSource {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaEventSource.class);

    /** Prefix of pass-through consumer settings in job files. */
    public static final String PROPERTIES_PREFIX = "source.properties.";

    private KafkaEventSource() {}

    public static KafkaSource<SourceRecord> create(JobConfig config) {
        Properties properties = config.clientProperties(PROPERTIES_PREFIX);
        String isolation = properties.getProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG);
        if (isolation != null && !isolation.equals("read_committed")) {
            LOG.warn(
                    "Ignoring {}{}={}: the job reads with read_committed so that aborted"
                            + " transactions never reach it",
                    PROPERTIES_PREFIX,
                    ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                    isolation);
        }
        properties.setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        // The connector turns partition discovery off unless the property is set; 0 keeps it
        // off. A bounded source reads the partitions that exist at start, so it never discovers.
        long discoveryMillis = config.partitionDiscoveryInterval().toMillis();
        if (!config.bounded()) {
            properties.setProperty(
                    "partition.discovery.interval.ms",
                    Long.toString(discoveryMillis == 0 ? -1 : discoveryMillis));
        }
        // With the default of 500 ms a reader whose other partitions are exhausted waits half a
        // second per fetch; a shorter wait keeps throughput up when partitions drain unevenly.
        properties.putIfAbsent(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "100");
        properties.putIfAbsent("commit.offsets.on.checkpoint", "true");

        KafkaSourceBuilder<SourceRecord> builder =
                KafkaSource.<SourceRecord>builder()
                        .setBootstrapServers(config.sourceBootstrapServers())
                        .setTopics(config.sourceTopic())
                        .setGroupId(config.groupId())
                        .setStartingOffsets(startingOffsets(config))
                        .setDeserializer(new KafkaEventDeserializer(config.fieldNames()))
                        .setProperties(properties);
        if (config.bounded()) {
            // Stop at the offsets that are the latest when the job starts.
            builder.setBounded(OffsetsInitializer.latest());
        }
        return builder.build();
    }

    private static OffsetsInitializer startingOffsets(JobConfig config) {
        switch (config.startingOffsets()) {
            case EARLIEST:
                return OffsetsInitializer.earliest();
            case LATEST:
                return OffsetsInitializer.latest();
            default:
                return OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
        }
    }
}
