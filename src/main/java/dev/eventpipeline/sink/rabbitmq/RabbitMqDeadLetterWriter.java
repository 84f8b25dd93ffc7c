package dev.eventpipeline.sink.rabbitmq;

import dev.eventpipeline.metrics.PipelineMetrics;
import dev.eventpipeline.model.DeadLetter;
import dev.eventpipeline.sink.DeadLetterSerializer;

import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.MessageProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeoutException;

/**
 * One subtask's publisher of dead letters: a channel in confirm mode, whose outstanding confirms
 * {@link #flush} awaits before every checkpoint and at the end of input.
 */
final class RabbitMqDeadLetterWriter implements SinkWriter<DeadLetter> {

    private static final Logger LOG = LoggerFactory.getLogger(RabbitMqDeadLetterWriter.class);

    /** Header carrying the original key bytes, when the record had a key. */
    static final String KEY_HEADER = "dlq.key";

    /** Unconfirmed messages after which a write waits for confirms, bounding client memory. */
    static final int MAX_UNCONFIRMED = 10_000;

    private static final byte[] EMPTY = new byte[0];

    private final RabbitMqDeadLetterSink sink;
    private final Connection connection;
    private final Channel channel;
    private final MetricGroup metrics;
    private final Map<String, Counter> writtenByReason = new HashMap<>();
    private volatile String returned;
    private int unconfirmed;

    RabbitMqDeadLetterWriter(RabbitMqDeadLetterSink sink, int subtask, MetricGroup metrics)
            throws IOException {
        this.sink = sink;
        this.metrics = metrics;
        String name = sink.jobName + "/dead-letters/" + subtask;
        try {
            connection = sink.endpoint.connectionFactory(System.getenv()).newConnection(name);
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(
                    "Connecting to RabbitMQ " + sink.endpoint.maskedUri() + " failed", e);
        }
        try {
            channel = connection.createChannel();
            if (sink.exchange.isEmpty()) {
                sink.declaration.declare(channel, sink.routingKey, "dlq.queue-declaration");
            } else {
                channel.exchangeDeclarePassive(sink.exchange);
            }
            channel.confirmSelect();
            channel.addReturnListener(
                    message ->
                            returned =
                                    "returned by the broker as unroutable ("
                                            + message.getReplyCode()
                                            + " "
                                            + message.getReplyText()
                                            + ")");
        } catch (IOException e) {
            connection.abort();
            throw new IOException(
                    "Preparing RabbitMQ dead letters to "
                            + sink.target()
                            + " failed: "
                            + e.getMessage()
                            + (sink.exchange.isEmpty()
                                    ? ""
                                    : ". Check that exchange '" + sink.exchange + "' exists."),
                    e);
        }
        for (String reason :
                new String[] {DeadLetter.INVALID, DeadLetter.LATE, DeadLetter.FAILED}) {
            counter(reason);
        }
        LOG.info(
                "Publishing dead letters to RabbitMQ {} {} as '{}'",
                sink.endpoint.maskedUri(),
                sink.target(),
                name);
    }

    @Override
    public void write(DeadLetter letter, Context context) throws IOException, InterruptedException {
        byte[] body = letter.raw.value == null ? EMPTY : letter.raw.value;
        // mandatory = true: an unroutable letter comes back through the return listener.
        channel.basicPublish(sink.exchange, sink.routingKey, true, properties(letter), body);
        counter(letter.reason).inc();
        if (++unconfirmed >= MAX_UNCONFIRMED) {
            awaitConfirms();
        }
    }

    AMQP.BasicProperties properties(DeadLetter letter) {
        Map<String, Object> headers =
                new LinkedHashMap<>(DeadLetterSerializer.headerValues(letter, sink.jobName));
        if (letter.raw.key != null) {
            headers.put(KEY_HEADER, letter.raw.key);
        }
        return MessageProperties.PERSISTENT_BASIC
                .builder()
                .headers(headers)
                .timestamp(new Date())
                .build();
    }

    @Override
    public void flush(boolean endOfInput) throws IOException, InterruptedException {
        awaitConfirms();
    }

    /**
     * Waits until the broker has confirmed every message published so far. A negative confirm, a
     * timeout or a returned message throws, which fails the checkpoint; the restarted job writes
     * those dead letters again.
     */
    private void awaitConfirms() throws IOException, InterruptedException {
        if (unconfirmed == 0) {
            return;
        }
        try {
            channel.waitForConfirmsOrDie(RabbitMqDeadLetterSink.CONFIRM_TIMEOUT.toMillis());
        } catch (TimeoutException e) {
            throw new IOException(
                    "RabbitMQ did not confirm "
                            + unconfirmed
                            + " dead letters to "
                            + sink.target()
                            + " within "
                            + RabbitMqDeadLetterSink.CONFIRM_TIMEOUT.toSeconds()
                            + " s",
                    e);
        }
        if (returned != null) {
            throw new IOException(
                    "A dead letter to " + sink.target() + " was " + returned + "; bind a queue.");
        }
        LOG.debug("RabbitMQ confirmed {} dead letters to {}", unconfirmed, sink.target());
        unconfirmed = 0;
    }

    private Counter counter(String reason) {
        return writtenByReason.computeIfAbsent(
                reason,
                r ->
                        metrics.addGroup(PipelineMetrics.REASON_GROUP, r)
                                .counter(PipelineMetrics.DEAD_LETTERS_WRITTEN));
    }

    @Override
    public void close() throws Exception {
        try {
            if (connection.isOpen()) {
                connection.close();
            }
        } finally {
            LOG.info("Closed RabbitMQ dead-letter publisher to {}", sink.target());
        }
    }
}
