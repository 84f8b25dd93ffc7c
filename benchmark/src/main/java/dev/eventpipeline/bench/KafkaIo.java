package dev.eventpipeline.bench;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/** Topic administration, input loading and committed reads against the benchmark broker. */
public final class KafkaIo {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaIo.class);
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration READ_TIMEOUT = Duration.ofMinutes(3);

    private KafkaIo() {}

    /** Creates topics with replication factor 1, and fails when one of them exists. */
    public static void createTopics(String bootstrapServers, Map<String, Integer> partitions) {
        List<NewTopic> topics =
                partitions.entrySet().stream()
                        .map(e -> new NewTopic(e.getKey(), e.getValue(), (short) 1))
                        .collect(Collectors.toList());
        try (Admin admin = admin(bootstrapServers)) {
            admin.createTopics(topics).all().get(ADMIN_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException(
                    "creating topics " + partitions.keySet() + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        }
        LOG.info("Created topics {}", partitions);
    }

    /** Deletes every topic whose name starts with {@code prefix}, and logs a failure. */
    public static void deleteTopicsWithPrefix(String bootstrapServers, String prefix) {
        try (Admin admin = admin(bootstrapServers)) {
            Set<String> names =
                    admin.listTopics().names().get(ADMIN_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            List<String> matching =
                    names.stream().filter(n -> n.startsWith(prefix)).collect(Collectors.toList());
            if (!matching.isEmpty()) {
                admin.deleteTopics(matching).all().get(ADMIN_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                LOG.info("Deleted topics {}", matching);
            }
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("Deleting topics with prefix {} failed: {}", prefix, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Makes the broker create its internal topics for transactions and consumer offsets ({@code
     * __transaction_state} with 50 partitions, {@code __consumer_offsets}) before anything is
     * measured. Otherwise the first contender that commits a transaction or an offset pays for
     * that, in its time and in the broker's CPU.
     */
    public static void warmUp(String bootstrapServers, String scratchTopic) throws Exception {
        createTopics(bootstrapServers, Map.of(scratchTopic, 1));
        Properties properties = producerProperties(bootstrapServers);
        properties.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, scratchTopic);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(properties)) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(scratchTopic, new byte[0]));
            producer.commitTransaction();
        }
        try (Admin admin = admin(bootstrapServers)) {
            admin.alterConsumerGroupOffsets(
                            scratchTopic,
                            Map.of(new TopicPartition(scratchTopic, 0), new OffsetAndMetadata(1)))
                    .all()
                    .get(ADMIN_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            admin.deleteConsumerGroups(List.of(scratchTopic))
                    .all()
                    .get(ADMIN_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        }
        deleteTopicsWithPrefix(bootstrapServers, scratchTopic);
        LOG.info("Broker warmed up: transaction and consumer-offset topics exist");
    }

    /**
     * Produces the generated records in order, stores each in {@code input}, and returns how many
     * were written.
     */
    public static long load(
            String bootstrapServers, String topic, EventGenerator generator, GeneratedInput input) {
        Properties properties = producerProperties(bootstrapServers);
        properties.put(ProducerConfig.ACKS_CONFIG, "all");
        // Idempotence keeps each partition in generation order, so offsets are what the
        // generator numbered them.
        properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        properties.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        properties.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(512 * 1024));
        properties.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Long.toString(128L * 1024 * 1024));
        AtomicReference<Exception> failure = new AtomicReference<>();
        long count = 0;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(properties)) {
            while (generator.hasNext() && failure.get() == null) {
                EventGenerator.Record record = generator.next();
                input.set((int) count, record);
                producer.send(
                        new ProducerRecord<>(topic, record.partition, record.key, record.value),
                        (metadata, e) -> {
                            if (e != null) {
                                failure.compareAndSet(null, e);
                            } else if (metadata.offset() != record.offset) {
                                failure.compareAndSet(
                                        null,
                                        new IllegalStateException(
                                                "record landed at "
                                                        + metadata.partition()
                                                        + "/"
                                                        + metadata.offset()
                                                        + ", generated for offset "
                                                        + record.offset
                                                        + "; the topic was not empty"));
                            }
                        });
                count++;
            }
            producer.flush();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("loading " + topic + " failed", failure.get());
        }
        return count;
    }

    /**
     * Reads every committed record of {@code topic} up to the last stable offsets at the time of
     * the call, with {@code read_committed}, and hands each to {@code handler} without keeping it.
     */
    public static void readCommitted(
            String bootstrapServers,
            String topic,
            Consumer<ConsumerRecord<byte[], byte[]>> handler) {
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(bootstrapServers, 50)) {
            List<TopicPartition> partitions = partitions(consumer, topic);
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, ADMIN_TIMEOUT);
            long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
            while (!reachedEnd(consumer, end)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            "timed out after " + READ_TIMEOUT + " reading " + topic);
                }
                consumer.poll(Duration.ofMillis(200)).forEach(handler);
            }
        }
    }

    /** Returns the end offsets of all partitions of {@code topic}. */
    public static Map<TopicPartition, Long> endOffsets(String bootstrapServers, String topic) {
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(bootstrapServers, 50)) {
            return consumer.endOffsets(partitions(consumer, topic), ADMIN_TIMEOUT);
        }
    }

    /** Returns the settings of a producer of byte arrays to {@code bootstrapServers}. */
    public static Properties producerProperties(String bootstrapServers) {
        Properties properties = new Properties();
        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        properties.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        properties.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return properties;
    }

    /** Creates a {@code read_committed} consumer without a group. */
    public static KafkaConsumer<byte[], byte[]> consumer(
            String bootstrapServers, int fetchMaxWaitMillis) {
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        properties.put(
                ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, Integer.toString(fetchMaxWaitMillis));
        return new KafkaConsumer<>(properties);
    }

    /** Returns all partitions of {@code topic}, and fails when the topic does not exist. */
    public static List<TopicPartition> partitions(
            KafkaConsumer<byte[], byte[]> consumer, String topic) {
        List<PartitionInfo> infos = consumer.partitionsFor(topic, ADMIN_TIMEOUT);
        if (infos == null || infos.isEmpty()) {
            throw new IllegalStateException("topic " + topic + " does not exist");
        }
        return infos.stream()
                .map(info -> new TopicPartition(topic, info.partition()))
                .collect(Collectors.toList());
    }

    private static boolean reachedEnd(
            KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> entry : end.entrySet()) {
            if (consumer.position(entry.getKey()) < entry.getValue()) {
                return false;
            }
        }
        return true;
    }

    static Admin admin(String bootstrapServers) {
        Properties properties = new Properties();
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return Admin.create(properties);
    }

    /** Returns the names of the topics that exist now. */
    public static Collection<String> topics(String bootstrapServers) {
        try (Admin admin = admin(bootstrapServers)) {
            return admin.listTopics().names().get(ADMIN_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("listing topics failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while listing topics", e);
        }
    }
}
