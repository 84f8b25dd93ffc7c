package dev.eventpipeline.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JobConfigTest {

    private static JobConfig load(String... args) {
        return JobConfigLoader.fromArgs(args, Map.of());
    }

    @Test
    void defaultsFollowTheContract() {
        JobConfig config = load();

        assertThat(config.sourceTopic()).isEqualTo("events");
        assertThat(config.sinkTopic()).isEqualTo("aggregates");
        assertThat(config.deadLetterTopic()).isEqualTo("dead-letters");
        assertThat(config.windows())
                .containsExactly(WindowSpec.tumbling(60_000), WindowSpec.sliding(300_000, 60_000));
        assertThat(config.allowedLateness()).isEqualTo(Duration.ZERO);
        assertThat(config.bounded()).isFalse();
        assertThat(config.delivery()).isEqualTo(JobConfig.Delivery.EXACTLY_ONCE);
        assertThat(config.groupId()).isEqualTo(config.name());
        assertThat(config.sinkBootstrapServers()).isEqualTo(config.sourceBootstrapServers());
        assertThat(config.sinkTransactionalIdPrefix()).isEqualTo("event-pipeline-aggregates");
        assertThat(config.deadLetterTransactionalIdPrefix())
                .isEqualTo("event-pipeline-dead-letters");
        assertThat(config.dedupFilterBytes()).isEqualTo(32L << 20);
        assertThat(load("--set", "dedup.filter-memory=0").dedupFilterBytes()).isZero();
    }

    @Test
    void helpIsRecognisedOnlyAlone() {
        assertThat(JobConfigLoader.asksForHelp(new String[] {"--help"})).isTrue();
        assertThat(JobConfigLoader.asksForHelp(new String[] {"-h"})).isTrue();
        assertThat(JobConfigLoader.asksForHelp(new String[] {})).isFalse();
        assertThat(JobConfigLoader.asksForHelp(new String[] {"--job", "--help"})).isFalse();
    }

    @Test
    void setOverridesJobFileAndDerivedNamesFollow(@TempDir Path dir) throws IOException {
        Path job = dir.resolve("job.yaml");
        Files.writeString(
                job,
                "name: quakes\n"
                        + "windows:\n  - tumbling:3600s\n  - sliding:1d/1h\n"
                        + "source:\n  topic: raw\n  bootstrap-servers: a:1\n"
                        + "watermark:\n  max-out-of-orderness: 10min\n"
                        + "sink:\n  properties:\n    linger.ms: 5\n");

        JobConfig config =
                load(
                        "--job",
                        job.toString(),
                        "--set",
                        "source.topic=other",
                        "--set",
                        "bounded=true");

        assertThat(config.name()).isEqualTo("quakes");
        assertThat(config.sourceTopic()).isEqualTo("other");
        assertThat(config.bounded()).isTrue();
        assertThat(config.windows())
                .containsExactly(
                        WindowSpec.tumbling(3_600_000), WindowSpec.sliding(86_400_000, 3_600_000));
        assertThat(config.maxOutOfOrderness()).isEqualTo(Duration.ofMinutes(10));
        assertThat(config.sinkBootstrapServers()).isEqualTo("a:1");
        assertThat(config.sinkTransactionalIdPrefix()).isEqualTo("quakes-aggregates");
        assertThat(config.clientProperties("sink.properties.")).containsEntry("linger.ms", "5");
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "windows=tumbling:0s|'windows': 'tumbling:0s'",
                "windows=sliding:60s/7s|'windows': 'sliding:60s/7s'",
                "windows=hopping:60s|'windows': 'hopping:60s'",
                "windows=tumbling:60s,tumbling:60s|appears twice",
                "windows=|'windows': ''",
                "watermark.max-out-of-orderness=5 seconds|'watermark.max-out-of-orderness': '5 seconds'",
                "dedup.ttl=0s|'dedup.ttl': '0s'",
                "dedup.filter-memory=lots|'dedup.filter-memory': 'lots'",
                "dedup.filter-memory=100b|such as 32mb",
                "dedup.filter-memory=64gb|'dedup.filter-memory': '64gb'",
                "bounded=yes|'bounded': 'yes'",
                "parallelism=0|'parallelism': '0'",
                "source.type=pulsar|one of kafka, rabbitmq, nats",
                "sink.delivery-guarantee=twice|one of exactly-once, at-least-once, none",
                "source.topic=a topic|'source.topic': 'a topic'",
                "name=|'name': ''",
                "sink.transaction-timeout=5s|above checkpoint.interval",
                "source.type=rabbitmq|'source.uri'",
                "dlq.type=nats|'dlq.uri'",
                "fields.id=|'fields.id'",
            })
    void badValueNamesKeyAndValue(String setting, String expectedFragment) {
        assertThatThrownBy(() -> load("--set", setting))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(expectedFragment);
    }

    @Test
    void unknownKeyIsAnError() {
        assertThatThrownBy(() -> load("--set", "source.topik=events"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("Unknown configuration key 'source.topik'")
                .hasMessageContaining("source.topic");
    }

    @Test
    void unknownArgumentAndMissingValueAreErrors() {
        assertThatThrownBy(() -> load("--jobs", "x"))
                .hasMessageContaining("Unknown argument '--jobs'");
        assertThatThrownBy(() -> load("--set")).hasMessageContaining("Missing value after --set");
        assertThatThrownBy(() -> load("--set", "novalue"))
                .hasMessageContaining("expected KEY=VALUE");
    }

    @Test
    void missingOrBrokenJobFileIsAnError(@TempDir Path dir) throws IOException {
        Path duplicate = dir.resolve("dup.yaml");
        Files.writeString(duplicate, "name: a\nname: b\n");
        Path list = dir.resolve("list.yaml");
        Files.writeString(list, "- a\n- b\n");

        assertThatThrownBy(() -> load("--job", dir.resolve("none.yaml").toString()))
                .hasMessage(
                        "Job file '"
                                + dir.resolve("none.yaml")
                                + "' not found. Pass an existing file with --job.");
        assertThatThrownBy(() -> load("--job", duplicate.toString()))
                .hasMessageContaining("not valid YAML")
                .hasMessageContaining("duplicate");
        assertThatThrownBy(() -> load("--job", list.toString()))
                .hasMessageContaining("mapping of keys to values");
    }

    @Test
    void secretsComeFromEnvironmentAndFilesAndAreMasked(@TempDir Path dir) throws IOException {
        Path secretFile = dir.resolve("password");
        Files.writeString(secretFile, "s3cret-from-file\n");
        JobConfig config =
                JobConfigLoader.fromArgs(
                        new String[] {
                            "--set", "source.properties.sasl.jaas.config=${env:JAAS}",
                            "--set",
                                    "sink.properties.ssl.truststore.password=${file:"
                                            + secretFile
                                            + "}",
                            "--set", "dlq.uri=amqp://user:pa55@localhost:5672/%2f",
                            "--set", "dlq.type=rabbitmq",
                            "--set", "dlq.queue=dead"
                        },
                        Map.of(
                                "JAAS",
                                "org.apache.kafka.common.security.scram.ScramLoginModule required password=\"pw\";"));

        assertThat(config.clientProperties("source.properties."))
                .containsEntry(
                        "sasl.jaas.config",
                        "org.apache.kafka.common.security.scram.ScramLoginModule required password=\"pw\";");
        assertThat(config.clientProperties("sink.properties."))
                .containsEntry("ssl.truststore.password", "s3cret-from-file");
        String described = config.describe().toString() + config;
        assertThat(described).doesNotContain("pw").doesNotContain("s3cret").doesNotContain("pa55");
        assertThat(config.describe())
                .containsEntry("dlq.uri", "amqp://user:******@localhost:5672/%2f");
    }

    @Test
    void missingEnvironmentVariableIsAnError() {
        assertThatThrownBy(() -> load("--set", "sink.properties.sasl.jaas.config=${env:NOPE}"))
                .hasMessageContaining("environment variable 'NOPE' is not set");
    }

    @Test
    void durationBeyondMillisecondRangeIsAnError() {
        assertThatThrownBy(() -> Durations.parse("dedup.ttl", "999999999999d"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'dedup.ttl'")
                .hasMessageContaining("999999999999d")
                .hasMessageContaining("at most 106751991167d");
        assertThatThrownBy(() -> load("--set", "windows=tumbling:999999999999d"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'windows'");
        assertThat(Durations.parse("k", "106751991d").toMillis()).isPositive();
    }

    @Test
    void durationsAndLabels() {
        assertThat(Durations.parse("k", "500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Durations.parse("k", "10min")).isEqualTo(Duration.ofMinutes(10));
        assertThat(Durations.parse("k", "2d")).isEqualTo(Duration.ofDays(2));
        assertThat(WindowSpec.parse("w", "sliding:3s/500ms").label()).isEqualTo("sliding:3s/500ms");
        assertThat(WindowSpec.parse("w", "tumbling:1h").label()).isEqualTo("tumbling:3600s");
        assertThat(List.of(WindowSpec.parse("w", "tumbling:1500ms").label()))
                .containsExactly("tumbling:1500ms");
    }
}
