package dev.eventpipeline.source;

import dev.eventpipeline.config.ConfigException;
import dev.eventpipeline.config.JobConfig;
import dev.eventpipeline.config.JobConfigLoader;
import dev.eventpipeline.sink.nats.NatsDeadLetterSink;
import dev.eventpipeline.sink.rabbitmq.RabbitMqDeadLetterSink;
import dev.eventpipeline.source.nats.NatsSourceSettings;
import dev.eventpipeline.source.rabbitmq.RabbitMqEndpoint;
import dev.eventpipeline.source.rabbitmq.RabbitMqEventSource;

import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Start-up checks of the RabbitMQ and NATS settings: each error names key, value and fix. */
class BrokerSettingsTest {

    private static Map<String, String> rabbitMq() {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("source.type", "rabbitmq");
        settings.put("source.uri", "amqp://guest:guest@127.0.0.1:5672/%2f");
        settings.put("source.queue", "events");
        settings.put("sink.bootstrap-servers", "127.0.0.1:9092");
        settings.put("dlq.type", "rabbitmq");
        settings.put("dlq.uri", "amqp://guest:guest@127.0.0.1:5672/%2f");
        settings.put("dlq.queue", "dead-letters");
        return settings;
    }

    private static Map<String, String> nats() {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("source.type", "nats");
        settings.put("source.uri", "nats://127.0.0.1:4222");
        settings.put("source.stream", "events");
        settings.put("source.subject", "events.>");
        settings.put("sink.bootstrap-servers", "127.0.0.1:9092");
        settings.put("dlq.type", "nats");
        settings.put("dlq.uri", "nats://127.0.0.1:4222");
        settings.put("dlq.subject", "dead-letters.events");
        return settings;
    }

    private static JobConfig config(Map<String, String> base, String key, String value) {
        Map<String, String> settings = new LinkedHashMap<>(base);
        settings.put(key, value);
        return JobConfigLoader.build(settings, Map.of());
    }

    private static void buildAll(JobConfig config) {
        if (config.sourceType() == JobConfig.Endpoint.RABBITMQ) {
            RabbitMqEventSource.fromConfig(config);
            RabbitMqDeadLetterSink.fromConfig(config);
        } else {
            NatsSourceSettings.fromConfig(config);
            NatsDeadLetterSink.fromConfig(config);
        }
    }

    @ParameterizedTest(name = "{0} {1}={2}")
    @CsvSource(
            delimiter = '|',
            value = {
                "rabbitmq | source.uri | http://127.0.0.1:5672 | amqp://user:password@host",
                "rabbitmq | source.uri | amqp://127.0.0.1:notaport | amqp://user:password@host",
                "rabbitmq | source.queue-declaration | durable | classic, quorum or passive",
                "rabbitmq | dlq.queue-declaration | lazy | classic, quorum or passive",
                "rabbitmq | source.password-env | 1PASSWORD | name of an environment variable",
                "rabbitmq | dlq.uri | nats://127.0.0.1:4222 | amqp://user:password@host",
                "nats | source.uri | amqp://127.0.0.1:5672 | nats://host:port",
                "nats | source.stream | events.raw | a JetStream name",
                "nats | source.durable-name | reader 1 | a JetStream name",
                "nats | source.subject | events..raw | a NATS subject",
                "nats | source.ack-wait | 500ms | at least 1s",
                "nats | source.ack-wait | soon | non-negative whole number",
                "nats | dlq.subject | dead-letters.* | without wildcards",
                "nats | dlq.username-env | NATS-USER | name of an environment variable",
            })
    void invalidSettingNamesKeyAndFix(String type, String key, String value, String fix) {
        JobConfig config = config(type.equals("rabbitmq") ? rabbitMq() : nats(), key, value);

        assertThatThrownBy(() -> buildAll(config))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'" + key + "'")
                .hasMessageContaining(fix);
    }

    @Test
    void passwordInUriIsMaskedInErrors() {
        JobConfig config = config(rabbitMq(), "source.uri", "amqp://app:s3cret@host:port/");

        assertThatThrownBy(() -> RabbitMqEventSource.fromConfig(config))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("app:******@")
                .hasMessageNotContaining("s3cret");
    }

    @Test
    void correlationIdsNeedRabbitMq() {
        JobConfig config = config(nats(), "source.correlation-ids", "true");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.enableCheckpointing(1000);

        assertThatThrownBy(() -> EventSources.create(env, config))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'source.correlation-ids'")
                .hasMessageContaining("rabbitmq");
    }

    @Test
    void sourcesNeedCheckpointing() {
        for (Map<String, String> settings : new Map[] {rabbitMq(), nats()}) {
            JobConfig config = JobConfigLoader.build(settings, Map.of());
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();

            assertThatThrownBy(() -> EventSources.create(env, config))
                    .as(config.sourceType().toString())
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("needs checkpointing")
                    .hasMessageContaining("checkpoint.interval");
        }
    }

    @Test
    void missingCredentialVariableIsNamed() {
        JobConfig config = config(rabbitMq(), "dlq.password-env", "DLQ_PASSWORD");
        RabbitMqEndpoint endpoint = RabbitMqEndpoint.fromConfig(config, "dlq");

        assertThatThrownBy(() -> endpoint.connectionFactory(Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'DLQ_PASSWORD'")
                .hasMessageContaining("'dlq.password-env'");
    }

    @Test
    void credentialVariablesReplaceUriCredentials() throws Exception {
        Map<String, String> settings = rabbitMq();
        settings.put("source.username-env", "MQ_USER");
        settings.put("source.password-env", "MQ_PASSWORD");
        JobConfig config = JobConfigLoader.build(settings, Map.of());
        RabbitMqEndpoint endpoint = RabbitMqEndpoint.fromConfig(config, "source");

        var factory = endpoint.connectionFactory(Map.of("MQ_USER", "app", "MQ_PASSWORD", "pw"));

        assertThat(factory.getUsername()).as("user name").isEqualTo("app");
        assertThat(factory.getPassword()).as("password").isEqualTo("pw");
        assertThat(factory.isAutomaticRecoveryEnabled()).as("automatic recovery").isFalse();
    }

    @Test
    void shippedJobFilesBuildSourcesAndSinks() {
        for (String file : new String[] {"jobs/rabbitmq-events.yaml", "jobs/nats-events.yaml"}) {
            JobConfig config = JobConfigLoader.fromArgs(new String[] {"--job", file}, Map.of());

            assertThat(config.sourceType()).as(file + " source").isEqualTo(config.deadLetterType());
            buildAll(config);
        }
    }

    @Test
    void defaultDurableNameIsJobNameWithoutDots() {
        JobConfig config = config(nats(), "name", "team.events-v2");

        assertThat(NatsSourceSettings.fromConfig(config).toString())
                .contains("durable consumer 'team_events-v2'");
    }
}
