package dev.eventpipeline.sink.rabbitmq;

import dev.eventpipeline.config.ConfigException;
import dev.eventpipeline.config.JobConfig;
import dev.eventpipeline.model.DeadLetter;
import dev.eventpipeline.source.rabbitmq.QueueDeclaration;
import dev.eventpipeline.source.rabbitmq.RabbitMqEndpoint;

import org.apache.flink.api.common.TaskInfo;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.metrics.groups.SinkWriterMetricGroup;

import java.io.IOException;
import java.time.Duration;

/**
 * Publishes dead letters to RabbitMQ as persistent messages: the original value as body, the {@code
 * dlq.*} fields as message headers, and the original key as the {@code dlq.key} header (bytes).
 * Each writer waits for the broker's publisher confirms of everything it published before a
 * checkpoint can complete, so a dead letter the broker did not take fails the checkpoint and is
 * written again after the restart. Delivery is therefore at-least-once: a restart may publish a
 * dead letter twice.
 *
 * <p>Without {@code dlq.exchange}, letters go through the default exchange straight to {@code
 * dlq.queue}, which is declared as {@code dlq.queue-declaration} says. With it, they go to that
 * exchange (which must exist) with {@code dlq.queue} as routing key, and a letter no queue takes
 * fails the checkpoint rather than vanishing.
 */
public class RabbitMqDeadLetterSink implements Sink<DeadLetter> {

    private static final long serialVersionUID = 1L;

    /** How long a checkpoint waits for outstanding publisher confirms. */
    static final Duration CONFIRM_TIMEOUT = Duration.ofSeconds(60);

    final RabbitMqEndpoint endpoint;
    final String exchange;
    final String routingKey;
    final QueueDeclaration declaration;
    final String jobName;

    RabbitMqDeadLetterSink(
            RabbitMqEndpoint endpoint,
            String exchange,
            String routingKey,
            QueueDeclaration declaration,
            String jobName) {
        this.endpoint = endpoint;
        this.exchange = exchange;
        this.routingKey = routingKey;
        this.declaration = declaration;
        this.jobName = jobName;
    }

    /** Builds the sink from the {@code dlq.*} keys of a job file. */
    public static RabbitMqDeadLetterSink fromConfig(JobConfig config) {
        String exchange = config.get("dlq.exchange").trim();
        String queue = config.get("dlq.queue").trim();
        if (exchange.length() > 255) {
            throw ConfigException.invalid("dlq.exchange", exchange, "at most 255 characters");
        }
        if (queue.length() > 255) {
            throw ConfigException.invalid("dlq.queue", queue, "at most 255 characters");
        }
        return new RabbitMqDeadLetterSink(
                RabbitMqEndpoint.fromConfig(config, "dlq"),
                exchange,
                queue,
                QueueDeclaration.fromConfig(config, "dlq.queue-declaration"),
                config.name());
    }

    /** Where letters go, for logs: {@code queue 'q'} or {@code exchange 'x' with key 'k'}. */
    String target() {
        return exchange.isEmpty()
                ? "queue '" + routingKey + "'"
                : "exchange '" + exchange + "' with routing key '" + routingKey + "'";
    }

    @Override
    public SinkWriter<DeadLetter> createWriter(WriterInitContext context) throws IOException {
        return open(context.getTaskInfo(), context.metricGroup());
    }

    @Override
    @Deprecated
    public SinkWriter<DeadLetter> createWriter(InitContext context) throws IOException {
        return open(context.getTaskInfo(), context.metricGroup());
    }

    private SinkWriter<DeadLetter> open(TaskInfo task, SinkWriterMetricGroup metrics)
            throws IOException {
        return new RabbitMqDeadLetterWriter(this, task.getIndexOfThisSubtask(), metrics);
    }
}
