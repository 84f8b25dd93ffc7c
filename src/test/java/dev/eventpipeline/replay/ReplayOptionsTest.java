package dev.eventpipeline.replay;

import dev.eventpipeline.config.ConfigException;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ReplayOptionsTest {

    private static ReplayOptions parse(String... extra) {
        List<String> args = new ArrayList<>(List.of("--bootstrap-servers", "127.0.0.1:9092"));
        args.addAll(List.of("--to-topic", "events"));
        args.addAll(List.of(extra));
        return ReplayOptions.parse(args.toArray(new String[0]), Map.of("SECRET", "s3cret"));
    }

    @Test
    void defaultsReadWholeTopic() {
        ReplayOptions options = parse();

        assertThat(options.fromTopic()).isEqualTo("dead-letters");
        assertThat(options.toTopic()).isEqualTo("events");
        assertThat(options.reasons()).isEmpty();
        assertThat(options.sourceJob()).isEmpty();
        assertThat(options.startKind()).isEqualTo(ReplayOptions.BoundKind.DEFAULT);
        assertThat(options.endKind()).isEqualTo(ReplayOptions.BoundKind.DEFAULT);
        assertThat(options.name()).isEqualTo("dead-letter-replay");
        assertThat(options.transactionalIdPrefix()).isEqualTo("dead-letter-replay");
        assertThat(options.transactionTimeout()).hasMinutes(10);
        assertThat(options.checkpointInterval()).hasSeconds(5);
        assertThat(options.parallelism()).isNull();
    }

    @Test
    void timeRangeAcceptsIsoAndMillis() {
        ReplayOptions options =
                parse("--start-time", "2026-12-04T10:00:00Z", "--end-time", "1796378460000");

        assertThat(options.startKind()).isEqualTo(ReplayOptions.BoundKind.TIME);
        assertThat(options.startTime())
                .isEqualTo(Instant.parse("2026-12-04T10:00:00Z").toEpochMilli());
        assertThat(options.endKind()).isEqualTo(ReplayOptions.BoundKind.TIME);
        assertThat(options.endTime()).isEqualTo(1796378460000L);
    }

    @Test
    void offsetRangeParsesPairs() {
        ReplayOptions options = parse("--start-offsets", "0:10, 2:5", "--end-offsets", "0:20");

        assertThat(options.startKind()).isEqualTo(ReplayOptions.BoundKind.OFFSETS);
        assertThat(options.startOffsets()).containsExactly(Map.entry(0, 10L), Map.entry(2, 5L));
        assertThat(options.endOffsets()).containsExactly(Map.entry(0, 20L));
    }

    @Test
    void reasonsAndJobSelect() {
        ReplayOptions options = parse("--reason", "invalid,failed", "--source-job", "orders");

        assertThat(options.reasons()).containsExactly("invalid", "failed");
        assertThat(options.sourceJob()).isEqualTo("orders");
    }

    @Test
    void propertiesResolveEnvironment() {
        ReplayOptions options =
                parse(
                        "--consumer-property",
                        "sasl.jaas.config=${env:SECRET}",
                        "--consumer-property",
                        "security.protocol=SASL_PLAINTEXT",
                        "--producer-property",
                        "linger.ms=5");

        assertThat(options.consumerProperties())
                .containsEntry("sasl.jaas.config", "s3cret")
                .containsEntry("security.protocol", "SASL_PLAINTEXT");
        assertThat(options.producerProperties()).containsEntry("linger.ms", "5");
        assertThat(options.describe()).doesNotContain("s3cret");
    }

    @Test
    void invalidOptionsNameOptionAndFix() {
        record Case(String[] args, String message) {}
        List<Case> cases =
                List.of(
                        new Case(new String[] {"--bogus", "1"}, "Unknown argument '--bogus'"),
                        new Case(new String[] {"--reason"}, "Missing value after --reason"),
                        new Case(new String[] {"--reason", "broken"}, "'--reason': 'broken'"),
                        new Case(
                                new String[] {"--start-time", "yesterday"},
                                "'--start-time': 'yesterday'"),
                        new Case(
                                new String[] {"--start-offsets", "0-10"},
                                "'--start-offsets': '0-10'"),
                        new Case(
                                new String[] {"--end-offsets", "0:1,0:2"},
                                "each partition at most once"),
                        new Case(
                                new String[] {"--start-time", "10", "--start-offsets", "0:1"},
                                "Both --start-time and --start-offsets"),
                        new Case(
                                new String[] {"--start-time", "20", "--end-time", "20"},
                                "is not after --start-time"),
                        new Case(
                                new String[] {"--start-offsets", "0:9", "--end-offsets", "0:3"},
                                "before its start offset 9"),
                        new Case(new String[] {"--from-topic", "events"}, "also the dead-letter"),
                        new Case(new String[] {"--name", "a b"}, "'--name': 'a b'"),
                        new Case(new String[] {"--parallelism", "0"}, "'--parallelism': '0'"),
                        new Case(
                                new String[] {"--transaction-timeout", "0s"},
                                "'--transaction-timeout': '0s'"),
                        new Case(new String[] {"--consumer-property", "novalue"}, "KEY=VALUE"),
                        new Case(new String[] {"--name", "a", "--name", "b"}, "given twice"));
        for (Case c : cases) {
            assertThatThrownBy(() -> parse(c.args))
                    .as(String.join(" ", c.args))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining(c.message);
        }
    }

    @Test
    void missingRequiredOptionsFail() {
        assertThatThrownBy(() -> ReplayOptions.parse(new String[] {"--to-topic", "x"}, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("Missing required option --bootstrap-servers");
        assertThatThrownBy(
                        () ->
                                ReplayOptions.parse(
                                        new String[] {"--bootstrap-servers", "h:1"}, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("Missing required option --to-topic");
    }

    @Test
    void reasonsListMatchesDeadLetterReasons() {
        assertThat(Set.copyOf(ReplayOptions.REASONS))
                .containsExactlyInAnyOrder("invalid", "late", "failed");
    }
}
