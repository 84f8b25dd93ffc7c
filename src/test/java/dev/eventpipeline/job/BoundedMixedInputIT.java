package dev.eventpipeline.job;

import dev.eventpipeline.config.JobConfig;
import dev.eventpipeline.config.JobConfigLoader;
import dev.eventpipeline.metrics.PipelineMetrics;
import dev.eventpipeline.testing.KafkaBroker;
import dev.eventpipeline.testing.KafkaTestIo;
import dev.eventpipeline.testing.OutputChecks;
import dev.eventpipeline.testing.SharedKafkaBroker;

import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A bounded run over a generated mixed input: valid events, duplicates inside and across
 * partitions, invalid records, three partitions written by a transactional producer (so each ends
 * with a transaction marker) and a fourth that stays empty. The expected aggregates are computed
 * here from the generated events, without the job's code.
 */
class BoundedMixedInputIT {

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(2)
                            .build());

    private static final List<String> WINDOWS = List.of("tumbling:60s", "sliding:180s/60s");
    private static final long START = Instant.parse("2026-12-04T10:00:00Z").toEpochMilli();

    /** One generated record and what the job must do with it. */
    private static final class Generated {
        final int partition;
        final byte[] key;
        final byte[] value;
        final boolean invalid;
        final String id;
        final String groupKey;
        final long timestamp;
        final Double figure;

        Generated(
                int partition,
                String key,
                String value,
                boolean invalid,
                String id,
                String groupKey,
                long timestamp,
                Double figure) {
            this.partition = partition;
            this.key = key == null ? null : key.getBytes(StandardCharsets.UTF_8);
            this.value = value == null ? null : value.getBytes(StandardCharsets.UTF_8);
            this.invalid = invalid;
            this.id = id;
            this.groupKey = groupKey;
            this.timestamp = timestamp;
            this.figure = figure;
        }
    }

    private static List<Generated> generate() {
        Random random = new Random(42);
        List<Generated> records = new ArrayList<>();
        String[] invalidValues = {
            "not json",
            "{\"id\":\"x\",\"ts\":\"2026-12-04T10:00:00\",\"key\":\"a\"}",
            "",
            null,
            "[1]"
        };
        for (int i = 0; i < 600; i++) {
            int partition = i % 3;
            if (i % 50 == 7) {
                String value = invalidValues[(i / 50) % invalidValues.length];
                records.add(new Generated(partition, "bad", value, true, null, null, 0, null));
                continue;
            }
            String key = "device-" + random.nextInt(5);
            long ts = START + i * 1000L + random.nextInt(4000);
            String id = "e" + i;
            Double figure = i % 13 == 0 ? null : (double) random.nextInt(1000) / 10;
            String json =
                    "{\"id\":\""
                            + id
                            + "\",\"ts\":"
                            + ts
                            + ",\"key\":\""
                            + key
                            + "\""
                            + (figure == null ? "" : ",\"value\":" + figure)
                            + "}";
            records.add(new Generated(partition, key, json, false, id, key, ts, figure));
            if (i % 20 == 3) {
                // A resend of the same event, in the same partition or another one.
                int copyPartition = (i % 40 == 3) ? partition : (partition + 1) % 3;
                records.add(new Generated(copyPartition, key, json, false, id, key, ts, figure));
            }
        }
        return records;
    }

    @Test
    void boundedRunOverTransactionalInputGivesExactResults(@TempDir Path checkpoints)
            throws Exception {
        KafkaBroker broker = SharedKafkaBroker.get();
        String run = UUID.randomUUID().toString().substring(0, 8);
        String input = "mixed-events-" + run;
        String output = "mixed-aggregates-" + run;
        String deadLetters = "mixed-dead-letters-" + run;
        broker.createTopic(input, 4);
        broker.createTopic(output, 2);
        broker.createTopic(deadLetters, 1);

        List<Generated> records = generate();
        produceTransactionally(broker.bootstrapServers(), input, records);

        JobConfig config =
                JobConfigLoader.fromArgs(
                        new String[] {
                            "--set", "name=mixed-" + run,
                            "--set", "source.bootstrap-servers=" + broker.bootstrapServers(),
                            "--set", "source.topic=" + input,
                            "--set", "sink.topic=" + output,
                            "--set", "dlq.topic=" + deadLetters,
                            "--set", "windows=" + String.join(",", WINDOWS),
                            "--set", "watermark.max-out-of-orderness=10min",
                            "--set", "bounded=true",
                            "--set", "parallelism=2",
                            "--set", "checkpoint.interval=1s",
                            "--set", "sink.transaction-timeout=2min"
                        },
                        Map.of());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        Configuration storage = new Configuration();
        storage.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toUri().toString());
        env.configure(storage);
        PipelineJob.define(env, config);
        JobClient client = env.executeAsync(config.name());
        // A bounded run must finish by itself, also when every partition ends with a marker.
        JobExecutionResult result = client.getJobExecutionResult().get(3, TimeUnit.MINUTES);

        // Expected outcome, computed from the generated records.
        Set<String> seenIds = new HashSet<>();
        Map<String, OutputChecks.Figures> expected = new TreeMap<>();
        long invalid = 0;
        long duplicates = 0;
        long accepted = 0;
        for (Generated record : records) {
            if (record.invalid) {
                invalid++;
                continue;
            }
            if (!seenIds.add(record.id)) {
                duplicates++;
                continue;
            }
            accepted++;
            OutputChecks.addEvent(
                    expected, WINDOWS, record.groupKey, record.timestamp, record.figure);
        }

        assertThat(counter(result, PipelineMetrics.RECORDS_IN))
                .as("records in")
                .isEqualTo(records.size());
        assertThat(counter(result, PipelineMetrics.INVALID)).as("invalid").isEqualTo(invalid);
        assertThat(counter(result, PipelineMetrics.DUPLICATES))
                .as("duplicates")
                .isEqualTo(duplicates);
        assertThat(counter(result, PipelineMetrics.LATE)).as("late").isZero();
        assertThat(counter(result, PipelineMetrics.ACCEPTED)).as("accepted").isEqualTo(accepted);

        List<ConsumerRecord<byte[], byte[]>> letters =
                KafkaTestIo.readCommitted(broker.bootstrapServers(), deadLetters);
        assertThat(letters).as("dead letters").hasSize((int) invalid);
        for (ConsumerRecord<byte[], byte[]> letter : letters) {
            Map<String, String> headers = OutputChecks.headers(letter);
            assertThat(headers.get("dlq.reason")).isEqualTo("invalid");
            assertThat(headers.get("dlq.topic")).isEqualTo(input);
            assertThat(new String(letter.key(), StandardCharsets.UTF_8)).isEqualTo("bad");
        }
        OutputChecks.assertAggregates(
                KafkaTestIo.readCommitted(broker.bootstrapServers(), output), expected);
    }

    private static void produceTransactionally(
            String bootstrapServers, String topic, List<Generated> records) {
        Properties properties = new Properties();
        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        properties.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        properties.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        properties.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "mixed-input-" + topic);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(properties)) {
            producer.initTransactions();
            producer.beginTransaction();
            for (int i = 0; i < records.size(); i++) {
                Generated record = records.get(i);
                producer.send(
                        new ProducerRecord<>(topic, record.partition, record.key, record.value));
                if (i % 100 == 99) {
                    producer.commitTransaction();
                    producer.beginTransaction();
                }
            }
            producer.commitTransaction();
        }
    }

    private static long counter(JobExecutionResult result, String name) {
        Object value = result.getAccumulatorResult(name);
        return value == null ? 0 : ((Number) value).longValue();
    }
}
