package dev.eventpipeline.source.nats;

import org.apache.flink.connector.base.source.reader.synchronization.FutureCompletingBlockingQueue;

import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.api.ConsumerInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.function.IntSupplier;

/**
 * Pulls batches from the durable consumer on its own thread and hands them to the reader through a
 * bounded queue, so the task thread never blocks on the network. A full queue blocks the fetcher,
 * which is how backpressure reaches the server.
 *
 * <p>In a bounded run the fetcher also decides when the input has ended: when every message up to
 * the stop sequence has been delivered, and every message the server counts as unacknowledged is
 * one the reader holds. Messages delivered to an earlier, failed attempt are redelivered after the
 * ack wait, so a bounded run after a failure ends no earlier than that.
 */
final class NatsFetcher implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(NatsFetcher.class);

    /** How long one pull request waits for messages. */
    static final Duration FETCH_WAIT = Duration.ofMillis(500);

    private final NatsSourceSettings settings;
    private final JetStreamSubscription subscription;
    private final JetStreamManagement jsm;
    private final long stopSequence;
    private final FutureCompletingBlockingQueue<List<Message>> queue;
    private final IntSupplier heldByReader;

    private volatile boolean running = true;
    private volatile boolean endReached;
    private volatile Throwable failure;

    NatsFetcher(
            NatsSourceSettings settings,
            JetStreamSubscription subscription,
            JetStreamManagement jsm,
            long stopSequence,
            FutureCompletingBlockingQueue<List<Message>> queue,
            IntSupplier heldByReader) {
        this.settings = settings;
        this.subscription = subscription;
        this.jsm = jsm;
        this.stopSequence = stopSequence;
        this.queue = queue;
        this.heldByReader = heldByReader;
    }

    @Override
    public void run() {
        try {
            while (running) {
                List<Message> batch =
                        subscription.fetch(settings.fetchBatchSize(), FETCH_WAIT.toMillis());
                if (!batch.isEmpty()) {
                    queue.put(0, batch);
                }
                boolean mayHaveEnded = batch.isEmpty() || lastSequence(batch) > stopSequence;
                if (stopSequence != NatsSplit.UNBOUNDED && mayHaveEnded && allRead()) {
                    LOG.info(
                            "Read every message of stream '{}' up to sequence {}; the bounded"
                                    + " source ends",
                            settings.stream,
                            stopSequence);
                    endReached = true;
                    return;
                }
            }
        } catch (InterruptedException e) {
            if (running) {
                failure = e;
            }
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            if (running) {
                LOG.error("Fetching from {} failed", settings, t);
                failure = t;
            }
        } finally {
            // Set every flag above before this, so the reader sees them when it wakes up.
            queue.notifyAvailable();
        }
    }

    private static long lastSequence(List<Message> batch) {
        return batch.get(batch.size() - 1).metaData().streamSequence();
    }

    private boolean allRead() throws IOException, JetStreamApiException {
        if (!queue.isEmpty()) {
            return false;
        }
        ConsumerInfo info = jsm.getConsumerInfo(settings.stream, settings.durableName);
        boolean allDelivered =
                info.getNumPending() == 0
                        || info.getDelivered().getStreamSequence() >= stopSequence;
        return allDelivered && info.getNumAckPending() <= heldByReader.getAsInt();
    }

    boolean endReached() {
        return endReached;
    }

    /** The error that ended fetching, or {@code null}. */
    Throwable failure() {
        return failure;
    }

    void stop() {
        running = false;
    }
}
