package dev.eventpipeline.testing;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import com.rabbitmq.client.MessageProperties;

import java.util.ArrayList;
import java.util.List;

/**
 * Test access to the RabbitMQ server on 127.0.0.1:5672 (guest/guest unless {@code rabbitmq.uri}
 * names another): declares and deletes queues, publishes input and reads queues back. Every test
 * uses its own queue names and deletes its queues afterwards.
 */
public final class RabbitMqTestIo {

    /** URI of the server under test. */
    public static final String URI =
            System.getProperty("rabbitmq.uri", "amqp://guest:guest@127.0.0.1:5672/%2f");

    private RabbitMqTestIo() {}

    /** One message to publish: body plus optional correlation id and message id. */
    public static final class Message {
        public final byte[] body;
        public final String correlationId;
        public final String messageId;

        public Message(byte[] body, String correlationId, String messageId) {
            this.body = body;
            this.correlationId = correlationId;
            this.messageId = messageId;
        }
    }

    /** One message read back: body and properties. */
    public static final class Received {
        public final byte[] body;
        public final AMQP.BasicProperties properties;

        Received(byte[] body, AMQP.BasicProperties properties) {
            this.body = body;
            this.properties = properties;
        }
    }

    public static Connection connect() throws Exception {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setUri(URI);
        return factory.newConnection("event-pipeline-test");
    }

    /** Declares a durable classic queue, as the job's default declaration does. */
    public static void declareQueue(String queue) throws Exception {
        try (Connection connection = connect();
                Channel channel = connection.createChannel()) {
            channel.queueDeclare(queue, true, false, false, null);
        }
    }

    /** Deletes the queue if it exists. */
    public static void deleteQueue(String queue) throws Exception {
        try (Connection connection = connect();
                Channel channel = connection.createChannel()) {
            channel.queueDelete(queue);
        }
    }

    /** Publishes persistent messages through the default exchange and waits for confirms. */
    public static void publish(String queue, List<Message> messages) throws Exception {
        try (Connection connection = connect();
                Channel channel = connection.createChannel()) {
            channel.confirmSelect();
            for (Message message : messages) {
                AMQP.BasicProperties properties =
                        MessageProperties.PERSISTENT_BASIC
                                .builder()
                                .correlationId(message.correlationId)
                                .messageId(message.messageId)
                                .build();
                channel.basicPublish("", queue, properties, message.body);
            }
            channel.waitForConfirmsOrDie(30_000);
        }
    }

    /** Messages ready for delivery, as the broker counts them (unacknowledged ones excluded). */
    public static long readyCount(String queue) throws Exception {
        try (Connection connection = connect();
                Channel channel = connection.createChannel()) {
            return channel.queueDeclarePassive(queue).getMessageCount();
        }
    }

    /** Consumers attached to the queue. */
    public static long consumerCount(String queue) throws Exception {
        try (Connection connection = connect();
                Channel channel = connection.createChannel()) {
            return channel.queueDeclarePassive(queue).getConsumerCount();
        }
    }

    /** Takes and acknowledges every ready message of the queue, oldest first. */
    public static List<Received> drain(String queue) throws Exception {
        List<Received> received = new ArrayList<>();
        try (Connection connection = connect();
                Channel channel = connection.createChannel()) {
            GetResponse response;
            while ((response = channel.basicGet(queue, true)) != null) {
                received.add(new Received(response.getBody(), response.getProps()));
            }
        }
        return received;
    }
}
