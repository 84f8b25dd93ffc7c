package dev.eventpipeline.source.nats;

import dev.eventpipeline.model.RawRecord;
import dev.eventpipeline.model.SourceRecord;
import dev.eventpipeline.parse.EventParser;

import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.SourceOutput;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.connector.base.source.reader.synchronization.FutureCompletingBlockingQueue;
import org.apache.flink.core.io.InputStatus;
import org.apache.flink.metrics.Counter;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.PullSubscribeOptions;
import io.nats.client.impl.NatsJetStreamMetaData;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Reads the split's durable consumer and acknowledges each message only when the checkpoint that
 * covers it completes, so a failure never loses a message: whatever was not acknowledged is
 * redelivered, and redeliveries of valid events become counted duplicates in the dedup stage.
 *
 * <p>Each emitted record carries the stream name as topic, partition {@code -1}, the stream
 * sequence as offset, the message subject (UTF-8) as key and the payload untouched as value.
 *
 * <p>A message the server redelivers while its first delivery still waits for a checkpoint is not
 * emitted again; the reader keeps the newer reply subject for the acknowledgement. On restore the
 * reader first acknowledges, and waits for the server to confirm, the messages that the restored
 * checkpoint covers, and drops any redelivery of them.
 */
public final class NatsSourceReader implements SourceReader<SourceRecord, NatsSplit> {

    private static final Logger LOG = LoggerFactory.getLogger(NatsSourceReader.class);

    private static final byte[] ACK = "+ACK".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NAK = "-NAK".getBytes(StandardCharsets.US_ASCII);
    private static final Duration RESTORE_ACK_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

    /** Counts messages the server delivered more than once. */
    public static final String REDELIVERED_METRIC = "natsRedeliveries";

    /** Counts deliveries not emitted because the message was emitted or restored before. */
    public static final String IGNORED_METRIC = "natsRedeliveriesIgnored";

    /** Counts acknowledgements sent after completed checkpoints. */
    public static final String ACKNOWLEDGED_METRIC = "natsAcknowledged";

    private final NatsSourceSettings settings;
    private final SourceReaderContext context;
    private final EventParser parser;
    private final FutureCompletingBlockingQueue<List<Message>> queue =
            new FutureCompletingBlockingQueue<>(2);

    private final Counter redelivered;
    private final Counter ignored;
    private final Counter acknowledged;

    /** Emitted, not yet acknowledged: stream sequence to the reply subject that acknowledges it. */
    private final TreeMap<Long, String> unacked = new TreeMap<>();

    /** Sequences emitted since the last snapshot. */
    private List<Long> sinceSnapshot = new ArrayList<>();

    /** Sequences emitted before each checkpoint that has not completed yet. */
    private final TreeMap<Long, List<Long>> byCheckpoint = new TreeMap<>();

    /** Bounded run: messages after the stop sequence, held unacknowledged and never emitted. */
    private final Map<Long, String> beyondStop = new LinkedHashMap<>();

    /** Sequences covered by the restored checkpoint; acknowledged on restore. */
    private final Set<Long> restoredAcked = new HashSet<>();

    /** Messages the server counts as unacknowledged because of this reader. */
    private final AtomicInteger held = new AtomicInteger();

    private Connection connection;
    private NatsSplit split;
    private boolean noMoreSplits;
    private SourceOutput<SourceRecord> splitOutput;
    private Iterator<Message> batch;
    private NatsFetcher fetcher;
    private Thread fetcherThread;
    private boolean finished;

    NatsSourceReader(NatsSourceSettings settings, SourceReaderContext context) {
        this.settings = settings;
        this.context = context;
        this.parser = new EventParser(settings.fields);
        this.redelivered = context.metricGroup().counter(REDELIVERED_METRIC);
        this.ignored = context.metricGroup().counter(IGNORED_METRIC);
        this.acknowledged = context.metricGroup().counter(ACKNOWLEDGED_METRIC);
    }

    @Override
    public void start() {
        LOG.info("NATS source reader {} started for {}", context.getIndexOfSubtask(), settings);
    }

    @Override
    public void addSplits(List<NatsSplit> splits) {
        if (split != null || splits.size() != 1) {
            throw new IllegalStateException(
                    "A NATS source reader reads exactly one split; it holds "
                            + split
                            + " and was given "
                            + splits);
        }
        split = splits.get(0);
        LOG.info("Reader {} reads {}", context.getIndexOfSubtask(), split);
        try {
            String name = settings.jobName + "/source/" + split.stream();
            connection = settings.endpoint.connect(System.getenv(), name);
            acknowledgeRestored(split.pendingAcks());
            JetStreamSubscription subscription =
                    connection
                            .jetStream()
                            .subscribe(
                                    null,
                                    PullSubscribeOptions.bind(split.stream(), split.durableName()));
            fetcher =
                    new NatsFetcher(
                            settings,
                            subscription,
                            connection.jetStreamManagement(),
                            split.stopSequence(),
                            queue,
                            held::get);
        } catch (IOException | JetStreamApiException e) {
            throw new IllegalStateException(
                    "Subscribing to " + settings + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while subscribing to NATS", e);
        }
        fetcherThread = new Thread(fetcher, "nats-fetcher-" + split.splitId());
        fetcherThread.setDaemon(true);
        fetcherThread.start();
        queue.notifyAvailable();
    }

    /**
     * Acknowledges the messages the restored checkpoint covers and waits for the server to confirm
     * each one, before the first pull, so none of them can be delivered to this reader again.
     */
    private void acknowledgeRestored(Map<Long, String> acks) throws InterruptedException {
        if (acks.isEmpty()) {
            return;
        }
        List<CompletableFuture<Message>> confirmations = new ArrayList<>();
        for (Map.Entry<Long, String> ack : acks.entrySet()) {
            restoredAcked.add(ack.getKey());
            confirmations.add(connection.request(ack.getValue(), ACK));
        }
        try {
            CompletableFuture.allOf(confirmations.toArray(new CompletableFuture<?>[0]))
                    .get(RESTORE_ACK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            LOG.info(
                    "Acknowledged {} messages of {} covered by the restored checkpoint",
                    acks.size(),
                    split.splitId());
        } catch (ExecutionException | TimeoutException e) {
            // A redelivery of an unconfirmed one is still dropped below, as it is in restoredAcked.
            LOG.warn(
                    "Not every acknowledgement of the {} restored messages of {} was confirmed;"
                            + " the server may redeliver some of them",
                    acks.size(),
                    split.splitId(),
                    e);
        }
        acknowledged.inc(acks.size());
    }

    @Override
    public InputStatus pollNext(ReaderOutput<SourceRecord> output) throws Exception {
        if (fetcher != null && fetcher.failure() != null) {
            throw new IOException("Reading from NATS failed: " + settings, fetcher.failure());
        }
        if (split == null) {
            return noMoreSplits ? InputStatus.END_OF_INPUT : InputStatus.NOTHING_AVAILABLE;
        }
        if (finished) {
            return InputStatus.END_OF_INPUT;
        }
        if (splitOutput == null) {
            splitOutput = output.createOutputForSplit(split.splitId());
        }
        if (batch == null || !batch.hasNext()) {
            List<Message> next = queue.poll();
            if (next == null) {
                if (fetcher.endReached()) {
                    output.releaseOutputForSplit(split.splitId());
                    finished = true;
                    return InputStatus.END_OF_INPUT;
                }
                return InputStatus.NOTHING_AVAILABLE;
            }
            batch = next.iterator();
        }
        handle(batch.next());
        return batch.hasNext() || !queue.isEmpty()
                ? InputStatus.MORE_AVAILABLE
                : InputStatus.NOTHING_AVAILABLE;
    }

    private void handle(Message message) {
        NatsJetStreamMetaData meta = message.metaData();
        long sequence = meta.streamSequence();
        String reply = message.getReplyTo();
        if (meta.deliveredCount() > 1) {
            redelivered.inc();
        }
        if (restoredAcked.contains(sequence)) {
            ignored.inc();
            connection.publish(reply, ACK);
            return;
        }
        if (sequence > split.stopSequence()) {
            if (beyondStop.put(sequence, reply) == null) {
                held.incrementAndGet();
            }
            return;
        }
        if (unacked.containsKey(sequence)) {
            // Redelivered after the ack wait while the first delivery waits for its checkpoint.
            ignored.inc();
            unacked.put(sequence, reply);
            return;
        }
        unacked.put(sequence, reply);
        held.incrementAndGet();
        sinceSnapshot.add(sequence);
        byte[] data = message.getData();
        RawRecord raw =
                new RawRecord(
                        message.getSubject().getBytes(StandardCharsets.UTF_8),
                        data == null ? new byte[0] : data,
                        split.stream(),
                        -1,
                        sequence);
        splitOutput.collect(parser.parse(raw));
    }

    @Override
    public List<NatsSplit> snapshotState(long checkpointId) {
        byCheckpoint.put(checkpointId, sinceSnapshot);
        sinceSnapshot = new ArrayList<>();
        if (split == null) {
            return List.of();
        }
        return List.of(split.withPendingAcks(unacked));
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) {
        NavigableMap<Long, List<Long>> covered = byCheckpoint.headMap(checkpointId, true);
        int count = 0;
        for (List<Long> sequences : covered.values()) {
            for (long sequence : sequences) {
                String reply = unacked.remove(sequence);
                if (reply != null) {
                    connection.publish(reply, ACK);
                    count++;
                }
            }
        }
        covered.clear();
        held.addAndGet(-count);
        acknowledged.inc(count);
        LOG.debug("Checkpoint {} complete: acknowledged {} NATS messages", checkpointId, count);
    }

    @Override
    public CompletableFuture<Void> isAvailable() {
        return queue.getAvailabilityFuture();
    }

    @Override
    public void notifyNoMoreSplits() {
        noMoreSplits = true;
        queue.notifyAvailable();
    }

    /**
     * Stops fetching and returns every held message to the server with a negative acknowledgement,
     * so the next run gets them at once instead of after the ack wait. Messages covered by a
     * completed checkpoint were acknowledged before; a restored job acknowledges the rest of its
     * checkpoint's messages itself.
     */
    @Override
    public void close() throws Exception {
        // Flink interrupts a cancelled task; the interrupt would cut the flush and close short.
        boolean interrupted = Thread.interrupted();
        try {
            if (fetcher != null) {
                fetcher.stop();
                queue.wakeUpPuttingThread(0);
                fetcherThread.join(CLOSE_TIMEOUT.toMillis());
            }
            if (connection != null) {
                returnHeldMessages();
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void returnHeldMessages() throws InterruptedException {
        int returned = unacked.size() + beyondStop.size();
        try {
            for (String reply : unacked.values()) {
                connection.publish(reply, NAK);
            }
            for (String reply : beyondStop.values()) {
                connection.publish(reply, NAK);
            }
            connection.flush(CLOSE_TIMEOUT);
        } catch (TimeoutException | IllegalStateException e) {
            LOG.warn(
                    "Returning {} unacknowledged messages to NATS failed; the server redelivers"
                            + " them after the ack wait",
                    returned,
                    e);
        } finally {
            connection.close();
        }
        LOG.info(
                "NATS source reader {} closed; {} unacknowledged messages returned to the server",
                context.getIndexOfSubtask(),
                returned);
    }
}
