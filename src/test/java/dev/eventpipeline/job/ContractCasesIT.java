package dev.eventpipeline.job;

import dev.eventpipeline.config.JobConfig;
import dev.eventpipeline.config.JobConfigLoader;
import dev.eventpipeline.metrics.PipelineMetrics;
import dev.eventpipeline.testing.ContractCase;
import dev.eventpipeline.testing.KafkaBroker;
import dev.eventpipeline.testing.KafkaTestIo;
import dev.eventpipeline.testing.OutputChecks;
import dev.eventpipeline.testing.SharedKafkaBroker;

import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs every example case of the data contract through the whole job, bounded, on a Flink
 * MiniCluster at parallelism 2 against a real Kafka broker, and compares both output topics, read
 * with {@code read_committed}, with the expected records.
 */
class ContractCasesIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(2)
                            .build());

    static List<String> cases() {
        return ContractCase.NAMES;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void caseGivesContractResults(String name, @TempDir Path checkpoints) throws Exception {
        ContractCase contractCase = ContractCase.load(name);
        KafkaBroker broker = SharedKafkaBroker.get();
        String run = name + "-" + UUID.randomUUID().toString().substring(0, 8);
        String input = "events-" + run;
        String output = "aggregates-" + run;
        String deadLetters = "dead-letters-" + run;
        broker.createTopic(input, contractCase.partitions);
        broker.createTopic(output, 1);
        broker.createTopic(deadLetters, 1);
        KafkaTestIo.produceCase(broker.bootstrapServers(), input, contractCase);

        String jobName = "case-" + run;
        JobConfig config =
                JobConfigLoader.fromArgs(
                        new String[] {
                            "--set", "name=" + jobName,
                            "--set", "source.bootstrap-servers=" + broker.bootstrapServers(),
                            "--set", "source.topic=" + input,
                            "--set", "sink.topic=" + output,
                            "--set", "dlq.topic=" + deadLetters,
                            "--set", "windows=" + String.join(",", contractCase.windows),
                            "--set",
                                    "watermark.max-out-of-orderness="
                                            + contractCase.outOfOrdernessMillis
                                            + "ms",
                            "--set",
                                    "allowed-lateness=" + contractCase.allowedLatenessMillis + "ms",
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
        JobExecutionResult result = env.execute(jobName);

        List<ConsumerRecord<byte[], byte[]>> aggregates =
                KafkaTestIo.readCommitted(broker.bootstrapServers(), output);
        List<ConsumerRecord<byte[], byte[]>> letters =
                KafkaTestIo.readCommitted(broker.bootstrapServers(), deadLetters);

        long recordsIn = counter(result, PipelineMetrics.RECORDS_IN);
        long invalid = counter(result, PipelineMetrics.INVALID);
        long duplicates = counter(result, PipelineMetrics.DUPLICATES);
        long late = counter(result, PipelineMetrics.LATE);
        long accepted = counter(result, PipelineMetrics.ACCEPTED);
        assertThat(recordsIn).as("records in").isEqualTo(contractCase.countRange("records_in")[0]);
        assertThat(invalid + duplicates + late + accepted).as("conservation").isEqualTo(recordsIn);
        assertThat(invalid).as("invalid").isEqualTo(contractCase.countRange("invalid")[0]);
        assertThat(duplicates).as("duplicates").isEqualTo(contractCase.countRange("duplicates")[0]);
        assertThat(late)
                .as("late")
                .isBetween(contractCase.countRange("late")[0], contractCase.countRange("late")[1]);
        assertThat(accepted)
                .as("accepted")
                .isBetween(
                        contractCase.countRange("accepted")[0],
                        contractCase.countRange("accepted")[1]);

        // Records the reference run found late may have been accepted here if the watermark had
        // not reached them yet; then they must count in all of their windows.
        Set<String> lateHere = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> letter : letters) {
            Map<String, String> headers = OutputChecks.headers(letter);
            if ("late".equals(headers.get("dlq.reason"))) {
                lateHere.add(headers.get("dlq.partition") + "/" + headers.get("dlq.offset"));
            }
        }
        assertThat(lateHere.size()).as("late dead letters").isEqualTo(late);
        Map<String, OutputChecks.Figures> expectedFigures =
                OutputChecks.figuresOf(contractCase.expectedAggregates);
        List<ContractCase.OutputRecord> expectedLetters = new java.util.ArrayList<>();
        Map<String, ContractCase.InputRecord> inputByOrigin = new HashMap<>();
        contractCase.input.forEach(r -> inputByOrigin.put(r.partition + "/" + r.offset, r));
        for (ContractCase.OutputRecord letter : contractCase.expectedDeadLetters) {
            String origin =
                    letter.headers.get("dlq.partition") + "/" + letter.headers.get("dlq.offset");
            if ("late".equals(letter.headers.get("dlq.reason")) && !lateHere.contains(origin)) {
                addAcceptedEvent(expectedFigures, contractCase.windows, inputByOrigin.get(origin));
            } else {
                expectedLetters.add(letter);
            }
        }
        OutputChecks.assertDeadLetters(letters, expectedLetters, input, jobName);
        OutputChecks.assertAggregates(aggregates, expectedFigures);
    }

    private static void addAcceptedEvent(
            Map<String, OutputChecks.Figures> figures,
            List<String> windows,
            ContractCase.InputRecord record)
            throws Exception {
        JsonNode event = JSON.readTree(new String(record.value, StandardCharsets.UTF_8));
        JsonNode ts = event.get("ts");
        long timestamp = ts.isNumber() ? ts.asLong() : Instant.parse(ts.asText()).toEpochMilli();
        JsonNode value = event.get("value");
        OutputChecks.addEvent(
                figures,
                windows,
                event.get("key").asText(),
                timestamp,
                value == null || value.isNull() ? null : value.asDouble());
    }

    private static long counter(JobExecutionResult result, String name) {
        Object value = result.getAccumulatorResult(name);
        return value == null ? 0 : ((Number) value).longValue();
    }
}
