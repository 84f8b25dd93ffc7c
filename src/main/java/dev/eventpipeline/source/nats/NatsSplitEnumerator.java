package dev.eventpipeline.source.nats;

import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.ReplayPolicy;
import io.nats.client.api.StreamInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Creates or updates the durable consumer, creates the single split (with the stop sequence of a
 * bounded run, read from the stream when the job first starts) and hands it to the reader with the
 * lowest subtask index. Every other reader is told there are no splits, so it finishes at once.
 */
final class NatsSplitEnumerator implements SplitEnumerator<NatsSplit, NatsEnumeratorState> {

    private static final Logger LOG = LoggerFactory.getLogger(NatsSplitEnumerator.class);

    private final NatsSourceSettings settings;
    private final SplitEnumeratorContext<NatsSplit> context;
    private boolean splitCreated;
    private NatsSplit unassigned;

    NatsSplitEnumerator(
            NatsSourceSettings settings,
            SplitEnumeratorContext<NatsSplit> context,
            NatsEnumeratorState restored) {
        this.settings = settings;
        this.context = context;
        if (restored != null) {
            this.splitCreated = restored.splitCreated();
            this.unassigned = restored.unassigned();
        }
    }

    @Override
    public void start() {
        String name = settings.jobName + "/source-enumerator/" + settings.stream;
        try (Connection connection = settings.endpoint.connect(System.getenv(), name)) {
            JetStreamManagement jsm = connection.jetStreamManagement();
            StreamInfo stream = streamInfo(jsm);
            ensureConsumer(jsm);
            if (!splitCreated) {
                long stop =
                        settings.bounded
                                ? stream.getStreamState().getLastSequence()
                                : NatsSplit.UNBOUNDED;
                unassigned = new NatsSplit(settings.stream, settings.durableName, stop, Map.of());
                splitCreated = true;
                LOG.info("Created split {} for {}", unassigned, settings);
            }
        } catch (IOException | JetStreamApiException e) {
            throw new IllegalStateException(
                    "Preparing the NATS source failed for " + settings + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while preparing the NATS source", e);
        }
        assignSplit();
    }

    private StreamInfo streamInfo(JetStreamManagement jsm)
            throws IOException, JetStreamApiException {
        try {
            return jsm.getStreamInfo(settings.stream);
        } catch (JetStreamApiException e) {
            if (e.getErrorCode() == 404) {
                throw new IllegalStateException(
                        "JetStream stream '"
                                + settings.stream
                                + "' does not exist on "
                                + settings.endpoint.maskedUri()
                                + ". Create it, or fix source.stream.",
                        e);
            }
            throw e;
        }
    }

    /**
     * Creates the durable pull consumer, or updates the settings a running consumer may change (ack
     * wait, max ack pending). Explicit acknowledgement is what lets the reader acknowledge only
     * after a checkpoint; unlimited deliveries mean the server never gives up on a message.
     */
    private void ensureConsumer(JetStreamManagement jsm) throws IOException {
        ConsumerConfiguration consumer =
                ConsumerConfiguration.builder()
                        .durable(settings.durableName)
                        .filterSubject(settings.filterSubject())
                        .ackPolicy(AckPolicy.Explicit)
                        .deliverPolicy(DeliverPolicy.All)
                        .replayPolicy(ReplayPolicy.Instant)
                        .ackWait(settings.ackWait)
                        .maxAckPending(settings.maxAckPending)
                        .maxDeliver(-1)
                        .build();
        try {
            jsm.addOrUpdateConsumer(settings.stream, consumer);
        } catch (JetStreamApiException e) {
            throw new IllegalStateException(
                    "Creating or updating durable consumer '"
                            + settings.durableName
                            + "' on stream '"
                            + settings.stream
                            + "' failed: "
                            + e.getMessage()
                            + ". A consumer of that name with another subject filter or deliver"
                            + " policy cannot be changed: delete it, or set source.durable-name"
                            + " to a new name (which reads the stream from its start).",
                    e);
        }
    }

    @Override
    public void handleSplitRequest(int subtaskId, String requesterHostname) {
        // Splits are pushed when readers register; there is nothing to hand out on request.
    }

    @Override
    public void addSplitsBack(List<NatsSplit> splits, int subtaskId) {
        if (splits.isEmpty()) {
            return;
        }
        LOG.info("Reader {} returned {}; assigning it again", subtaskId, splits);
        unassigned = splits.get(0);
        assignSplit();
    }

    @Override
    public void addReader(int subtaskId) {
        assignSplit();
    }

    private void assignSplit() {
        TreeSet<Integer> readers = new TreeSet<>(context.registeredReaders().keySet());
        if (readers.isEmpty()) {
            return;
        }
        if (unassigned != null) {
            int reader = readers.first();
            LOG.info("Assigning {} to reader {}", unassigned, reader);
            context.assignSplit(unassigned, reader);
            unassigned = null;
        }
        for (int reader : readers) {
            context.signalNoMoreSplits(reader);
        }
    }

    @Override
    public NatsEnumeratorState snapshotState(long checkpointId) {
        return new NatsEnumeratorState(splitCreated, unassigned);
    }

    @Override
    public void close() {}
}
