package dev.eventpipeline.testing;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.api.ConsumerInfo;
import io.nats.client.api.MessageInfo;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Test access to the NATS server with JetStream on 127.0.0.1:4222 (or {@code nats.uri}): creates
 * and deletes streams, publishes input, reads consumer state and stored messages. Every test uses
 * its own stream names and subjects and deletes its streams afterwards.
 */
public final class NatsTestIo {

    /** URI of the server under test. */
    public static final String URI = System.getProperty("nats.uri", "nats://127.0.0.1:4222");

    private NatsTestIo() {}

    public static Connection connect() throws IOException, InterruptedException {
        return Nats.connect(URI);
    }

    /** Creates a file-backed stream with limits retention over {@code subjects}. */
    public static void createStream(String stream, String... subjects) throws Exception {
        try (Connection connection = connect()) {
            connection
                    .jetStreamManagement()
                    .addStream(
                            StreamConfiguration.builder()
                                    .name(stream)
                                    .subjects(subjects)
                                    .storageType(StorageType.File)
                                    .build());
        }
    }

    /** Deletes the stream (and its consumers) if it exists. */
    public static void deleteStream(String stream) throws Exception {
        try (Connection connection = connect()) {
            connection.jetStreamManagement().deleteStream(stream);
        } catch (JetStreamApiException e) {
            if (e.getErrorCode() != 404) {
                throw e;
            }
        }
    }

    /** Publishes each payload and waits for the stream to store it. */
    public static void publish(String subject, List<byte[]> payloads) throws Exception {
        try (Connection connection = connect()) {
            JetStream jetStream = connection.jetStream();
            for (byte[] payload : payloads) {
                jetStream.publish(subject, payload);
            }
        }
    }

    public static ConsumerInfo consumerInfo(String stream, String durable) throws Exception {
        try (Connection connection = connect()) {
            return connection.jetStreamManagement().getConsumerInfo(stream, durable);
        }
    }

    /** Every message stored in the stream, by sequence. */
    public static List<MessageInfo> readStream(String stream) throws Exception {
        List<MessageInfo> messages = new ArrayList<>();
        try (Connection connection = connect()) {
            JetStreamManagement jsm = connection.jetStreamManagement();
            long last = jsm.getStreamInfo(stream).getStreamState().getLastSequence();
            for (long sequence = 1; sequence <= last; sequence++) {
                messages.add(jsm.getMessage(stream, sequence));
            }
        }
        return messages;
    }
}
