package dev.eventpipeline.config;

import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Checks the masking of the start-up configuration line against the Kafka clients' own list of
 * secret settings. Every consumer, producer and admin setting of type PASSWORD (the ones the Kafka
 * clients print as [hidden]) must be masked under each pass-through prefix.
 */
class SecretMaskingTest {

    private static final String SECRET = "s3cret-value";

    private static TreeSet<String> kafkaPasswordSettings() {
        TreeSet<String> names = new TreeSet<>();
        for (ConfigDef definition :
                new ConfigDef[] {
                    ConsumerConfig.configDef(),
                    ProducerConfig.configDef(),
                    AdminClientConfig.configDef()
                }) {
            definition
                    .configKeys()
                    .forEach(
                            (name, key) -> {
                                if (key.type == ConfigDef.Type.PASSWORD) {
                                    names.add(name);
                                }
                            });
        }
        return names;
    }

    @Test
    void kafkaPasswordSettingsAreMasked() {
        TreeSet<String> passwords = kafkaPasswordSettings();
        assertThat(passwords)
                .as("Kafka PASSWORD settings")
                .contains("sasl.jaas.config", "ssl.key.password", "ssl.keystore.key");

        for (String prefix : ConfigKeys.PASS_THROUGH_PREFIXES) {
            for (String name : passwords) {
                assertThat(Secrets.mask(prefix + name, SECRET))
                        .as("masked %s%s", prefix, name)
                        .isEqualTo("******");
            }
        }
    }

    @Test
    void describeMasksSecretsOnly() {
        Map<String, String> settings = new LinkedHashMap<>();
        for (String name : kafkaPasswordSettings()) {
            settings.put("source.properties." + name, SECRET);
            settings.put("sink.properties." + name, SECRET);
        }
        settings.put("sink.properties.security.protocol", "SASL_SSL");
        settings.put("fields.key", "sensor");
        settings.put("dlq.uri", "amqp://user:" + SECRET + "@localhost:5672/%2f");
        settings.put("dlq.type", "rabbitmq");
        settings.put("dlq.queue", "dead");

        JobConfig config = JobConfigLoader.build(settings, Map.of());
        String described = config.describe().toString();

        assertThat(described).as("start-up configuration").doesNotContain(SECRET);
        assertThat(config.toString()).as("toString").doesNotContain(SECRET);
        assertThat(config.describe())
                .containsEntry("fields.key", "sensor")
                .containsEntry("sink.properties.security.protocol", "SASL_SSL")
                .containsEntry("source.properties.sasl.jaas.config", "******")
                .containsEntry("dlq.uri", "amqp://user:******@localhost:5672/%2f");
    }

    @Test
    void unknownKeyErrorMasksTheValue() {
        Map<String, String> settings = Map.of("source.password", SECRET);

        assertThatThrownBy(() -> JobConfigLoader.build(settings, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("source.password")
                .hasMessageNotContaining(SECRET);
    }
}
