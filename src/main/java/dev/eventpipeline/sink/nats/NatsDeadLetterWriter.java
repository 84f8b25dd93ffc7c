package dev.eventpipeline.sink.nats;

import dev.eventpipeline.metrics.PipelineMetrics;
import dev.eventpipeline.model.DeadLetter;
import dev.eventpipeline.sink.DeadLetterSerializer;

import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.api.PublishAck;
import io.nats.client.impl.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One subtask's publisher of dead letters to JetStream: publishes asynchronously and awaits every
 * publish acknowledgement in {@link #flush}, before each checkpoint and at the end of input.
 */
final class NatsDeadLetterWriter implements SinkWriter<DeadLetter> {

    private static final Logger LOG = LoggerFactory.getLogger(NatsDeadLetterWriter.class);

    /** Header carrying the original key bytes, percent-encoded, when the record had a key. */
    static final String KEY_HEADER = "dlq.key";

    /** JetStream's deduplication header. */
    static final String MESSAGE_ID_HEADER = "Nats-Msg-Id";

    /** Unacknowledged publishes after which a write waits for acknowledgements. */
    static final int MAX_IN_FLIGHT = 10_000;

    private static final byte[] EMPTY = new byte[0];

    private final NatsDeadLetterSink sink;
    private final Connection connection;
    private final JetStream jetStream;
    private final MetricGroup metrics;
    private final Map<String, Counter> writtenByReason = new HashMap<>();
    private final List<CompletableFuture<PublishAck>> inFlight = new ArrayList<>();

    NatsDeadLetterWriter(NatsDeadLetterSink sink, int subtask, MetricGroup metrics)
            throws IOException {
        this.sink = sink;
        this.metrics = metrics;
        String name = sink.jobName + "/dead-letters/" + subtask;
        try {
            connection = sink.endpoint.connect(System.getenv(), name);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while connecting to NATS", e);
        }
        try {
            List<String> streams = connection.jetStreamManagement().getStreamNames(sink.subject);
            if (streams.isEmpty()) {
                throw new IOException(
                        "No JetStream stream on "
                                + sink.endpoint.maskedUri()
                                + " stores subject '"
                                + sink.subject
                                + "', so dead letters would be lost. Create a stream for it, or"
                                + " fix dlq.subject.");
            }
            jetStream = connection.jetStream();
            LOG.info(
                    "Publishing dead letters to NATS {} subject '{}' (stream {}) as '{}'",
                    sink.endpoint.maskedUri(),
                    sink.subject,
                    streams,
                    name);
        } catch (IOException e) {
            closeQuietly();
            throw e;
        } catch (JetStreamApiException e) {
            closeQuietly();
            throw new IOException(
                    "Looking up the stream of subject '"
                            + sink.subject
                            + "' failed: "
                            + e.getMessage(),
                    e);
        }
        for (String reason :
                new String[] {DeadLetter.INVALID, DeadLetter.LATE, DeadLetter.FAILED}) {
            counter(reason);
        }
    }

    @Override
    public void write(DeadLetter letter, Context context) throws IOException, InterruptedException {
        byte[] payload = letter.raw.value == null ? EMPTY : letter.raw.value;
        inFlight.add(jetStream.publishAsync(sink.subject, headers(letter), payload));
        counter(letter.reason).inc();
        if (inFlight.size() >= MAX_IN_FLIGHT) {
            awaitAcks();
        }
    }

    Headers headers(DeadLetter letter) {
        Headers headers = new Headers();
        DeadLetterSerializer.headerValues(letter, sink.jobName)
                .forEach((name, value) -> headers.add(name, NatsHeaderText.encode(value)));
        if (letter.raw.key != null) {
            headers.add(KEY_HEADER, NatsHeaderText.encode(letter.raw.key));
        }
        if (letter.raw.offset >= 0) {
            String id =
                    sink.jobName
                            + "/"
                            + letter.raw.topic
                            + "/"
                            + letter.raw.partition
                            + "/"
                            + letter.raw.offset;
            headers.add(MESSAGE_ID_HEADER, NatsHeaderText.encode(id));
        }
        return headers;
    }

    @Override
    public void flush(boolean endOfInput) throws IOException, InterruptedException {
        awaitAcks();
    }

    /**
     * Waits for the stream to acknowledge every letter published so far. A failed publish or a
     * timeout throws, which fails the checkpoint; the restarted job writes those letters again.
     */
    private void awaitAcks() throws IOException, InterruptedException {
        if (inFlight.isEmpty()) {
            return;
        }
        try {
            CompletableFuture.allOf(inFlight.toArray(new CompletableFuture<?>[0]))
                    .get(NatsDeadLetterSink.ACK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IOException(
                    "JetStream did not store a dead letter on subject '"
                            + sink.subject
                            + "': "
                            + e.getCause().getMessage(),
                    e.getCause());
        } catch (TimeoutException e) {
            throw new IOException(
                    "JetStream did not acknowledge "
                            + inFlight.size()
                            + " dead letters on subject '"
                            + sink.subject
                            + "' within "
                            + NatsDeadLetterSink.ACK_TIMEOUT.toSeconds()
                            + " s",
                    e);
        }
        LOG.debug("JetStream stored {} dead letters on '{}'", inFlight.size(), sink.subject);
        inFlight.clear();
    }

    private Counter counter(String reason) {
        return writtenByReason.computeIfAbsent(
                reason,
                r ->
                        metrics.addGroup(PipelineMetrics.REASON_GROUP, r)
                                .counter(PipelineMetrics.DEAD_LETTERS_WRITTEN));
    }

    private void closeQuietly() {
        try {
            connection.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() throws Exception {
        connection.close();
        LOG.info("Closed NATS dead-letter publisher to subject '{}'", sink.subject);
    }
}
