package dev.eventpipeline.source.rabbitmq;

import dev.eventpipeline.config.ConfigException;
import dev.eventpipeline.config.JobConfig;
import dev.eventpipeline.job.OperatorIds;
import dev.eventpipeline.model.SourceRecord;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamSource;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.source.ParallelSourceFunction;
import org.apache.flink.streaming.api.operators.StreamingRuntimeContext;
import org.apache.flink.streaming.connectors.rabbitmq.RMQSource;
import org.apache.flink.streaming.connectors.rabbitmq.common.RMQConnectionConfig;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Reads events from a durable RabbitMQ queue with the connector's {@link RMQSource}: messages are
 * consumed in a channel transaction and acknowledged only when the checkpoint that covers them
 * completes, so a failure redelivers every message whose effects were rolled back.
 *
 * <p>Without correlation ids the source is at-least-once and may run at any parallelism (each
 * subtask is one consumer on the queue); the dedup stage turns redeliveries of valid events into
 * counted duplicates, so the aggregates stay exact. With {@code source.correlation-ids: true} the
 * source runs at parallelism 1 and drops redeliveries itself (see {@link
 * RabbitMqRecordDeserializer}), which gives exactly-once into Flink.
 *
 * <p>What this class adds to the connector: credentials from environment variables, the queue
 * declaration and per-consumer prefetch from the job file, parallel consumers, metrics, and a
 * bounded mode that stops once the queue is drained.
 */
public class RabbitMqEventSource extends RMQSource<SourceRecord>
        implements ParallelSourceFunction<SourceRecord> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(RabbitMqEventSource.class);

    /** How long {@code run()} waits for a delivery before it checks whether to stop. */
    static final long POLL_MILLIS = 200;

    /**
     * A bounded subtask stops once the queue has no ready message and the subtask has started or
     * finished no delivery for this long.
     */
    static final Duration DRAIN_QUIET_PERIOD = Duration.ofSeconds(1);

    private final RabbitMqEndpoint endpoint;
    private final QueueDeclaration declaration;
    private final int prefetch;
    private final boolean bounded;
    private final boolean correlationIds;
    private final String jobName;
    private final RabbitMqRecordDeserializer records;

    private transient CountDownLatch stopDrainWatch;
    private transient Thread drainWatcher;
    private transient volatile Exception drainWatchFailure;

    RabbitMqEventSource(
            RabbitMqEndpoint endpoint,
            String queue,
            QueueDeclaration declaration,
            int prefetch,
            boolean bounded,
            boolean correlationIds,
            String jobName,
            RabbitMqRecordDeserializer records) {
        super(
                new RMQConnectionConfig.Builder()
                        // Only read by the connector's error messages; connections come from
                        // setupConnectionFactory(), so the masked URI is enough here.
                        .setUri(endpoint.maskedUri())
                        .setDeliveryTimeout(POLL_MILLIS)
                        .build(),
                queue,
                correlationIds,
                records);
        this.endpoint = endpoint;
        this.declaration = declaration;
        this.prefetch = prefetch;
        this.bounded = bounded;
        this.correlationIds = correlationIds;
        this.jobName = jobName;
        this.records = records;
    }

    /** Builds the source from the {@code source.*} keys of a job file. */
    public static RabbitMqEventSource fromConfig(JobConfig config) {
        String queue = config.get("source.queue").trim();
        if (queue.isEmpty() || queue.length() > 255) {
            throw ConfigException.invalid(
                    "source.queue", queue, "a RabbitMQ queue name of 1 to 255 characters");
        }
        return new RabbitMqEventSource(
                RabbitMqEndpoint.fromConfig(config, "source"),
                queue,
                QueueDeclaration.fromConfig(config, "source.queue-declaration"),
                config.prefetch(),
                config.bounded(),
                config.correlationIds(),
                config.name(),
                new RabbitMqRecordDeserializer(
                        queue, config.fieldNames(), config.correlationIds()));
    }

    /**
     * Adds the source and its watermark assigner to {@code env}. In correlation-id mode both run at
     * parallelism 1, because the connector can only recognise a redelivery that reaches the subtask
     * which read the message first.
     */
    public static DataStream<SourceRecord> addTo(
            StreamExecutionEnvironment env,
            JobConfig config,
            WatermarkStrategy<SourceRecord> watermarks) {
        RabbitMqEventSource source = fromConfig(config);
        DataStreamSource<SourceRecord> messages = env.addSource(source, OperatorIds.SOURCE_NAME);
        messages.uid(OperatorIds.RABBITMQ_SOURCE_UID);
        SingleOutputStreamOperator<SourceRecord> withWatermarks =
                messages.assignTimestampsAndWatermarks(watermarks)
                        .uid(OperatorIds.SOURCE_WATERMARKS_UID)
                        .name(OperatorIds.SOURCE_WATERMARKS_NAME);
        if (config.correlationIds()) {
            messages.setParallelism(1);
            withWatermarks.setParallelism(1);
        }
        LOG.info(
                "RabbitMQ source: {} queue '{}', {}, prefetch {}{}",
                source.endpoint.maskedUri(),
                config.get("source.queue"),
                config.correlationIds()
                        ? "exactly-once by correlation id at parallelism 1"
                        : "at-least-once",
                config.prefetch(),
                config.bounded() ? ", bounded (stops when the queue is drained)" : "");
        return withWatermarks;
    }

    @Override
    protected ConnectionFactory setupConnectionFactory() throws Exception {
        return endpoint.connectionFactory(System.getenv());
    }

    @Override
    protected Connection setupConnection() throws Exception {
        int subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        String name = jobName + "/source/" + queueName + "/" + subtask;
        Connection opened = setupConnectionFactory().newConnection(name);
        LOG.info(
                "Connected to RabbitMQ {} as '{}' to read queue '{}'",
                endpoint.maskedUri(),
                name,
                queueName);
        return opened;
    }

    @Override
    protected void setupQueue() throws IOException {
        declaration.declare(channel, queueName, "source.queue-declaration");
        // A per-consumer limit (global = false), because quorum queues reject a channel-wide one.
        // Messages stay unacknowledged until a checkpoint completes, so this caps how many
        // messages one subtask reads per checkpoint interval.
        channel.basicQos(prefetch, false);
    }

    @Override
    @SuppressWarnings("deprecation") // RMQSource of connector 3.0.1 still overrides this variant.
    public void open(Configuration parameters) throws Exception {
        if (!((StreamingRuntimeContext) getRuntimeContext()).isCheckpointingEnabled()) {
            // Without checkpoints the connector acknowledges on delivery, so a failure loses data.
            throw new IllegalStateException(
                    "The RabbitMQ source needs checkpointing: messages are acknowledged when a"
                            + " checkpoint completes. Set execution.checkpointing.interval.");
        }
        super.open(parameters);
        LOG.info(
                "RabbitMQ source subtask {} consuming queue '{}' (correlation ids {})",
                getRuntimeContext().getTaskInfo().getIndexOfThisSubtask(),
                queueName,
                correlationIds);
    }

    @Override
    public void run(SourceContext<SourceRecord> ctx) throws Exception {
        if (bounded) {
            startDrainWatcher();
        }
        try {
            super.run(ctx);
        } finally {
            stopDrainWatcher();
        }
        if (drainWatchFailure != null) {
            throw new IOException(
                    "Checking whether queue '" + queueName + "' is drained failed",
                    drainWatchFailure);
        }
        LOG.info(
                "RabbitMQ source subtask {} stopped reading queue '{}'",
                getRuntimeContext().getTaskInfo().getIndexOfThisSubtask(),
                queueName);
    }

    @Override
    public void cancel() {
        super.cancel();
        stopDrainWatcher();
    }

    @Override
    public void close() throws Exception {
        stopDrainWatcher();
        try {
            super.close();
        } finally {
            LOG.info("Closed RabbitMQ source for queue '{}'", queueName);
        }
    }

    /**
     * Watches a bounded run: once the queue holds no ready message and no delivery started or
     * finished for {@link #DRAIN_QUIET_PERIOD}, it ends {@code run()} the way {@code cancel()}
     * does. The source then finishes normally, and its last messages are acknowledged by the final
     * checkpoint.
     *
     * <p>NOTE: a delivery that RabbitMQ pushed to this consumer but that waited longer than the
     * quiet period for the checkpoint lock is not read; it is requeued when the source closes, so
     * it stays in the queue for the next run rather than being lost.
     */
    private void startDrainWatcher() {
        stopDrainWatch = new CountDownLatch(1);
        drainWatcher = new Thread(this::watchForDrainedQueue, "rabbitmq-drain-" + queueName);
        drainWatcher.setDaemon(true);
        drainWatcher.start();
    }

    private void watchForDrainedQueue() {
        long quietNanos = DRAIN_QUIET_PERIOD.toNanos();
        try (Channel probe = connection.createChannel()) {
            while (!stopDrainWatch.await(POLL_MILLIS, TimeUnit.MILLISECONDS)) {
                boolean quiet =
                        !records.isDeserializing()
                                && System.nanoTime() - records.lastDeliveryNanos() >= quietNanos;
                if (quiet && probe.messageCount(queueName) == 0) {
                    LOG.info("Queue '{}' is drained; ending this bounded source", queueName);
                    super.cancel();
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // run() rethrows this, so the task fails and restarts from the last checkpoint.
            LOG.error("Watching queue '{}' for the end of a bounded run failed", queueName, e);
            drainWatchFailure = e;
            super.cancel();
        }
    }

    private void stopDrainWatcher() {
        if (stopDrainWatch != null) {
            stopDrainWatch.countDown();
        }
    }
}
