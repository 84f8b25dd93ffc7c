package dev.eventpipeline.source.rabbitmq;

import dev.eventpipeline.config.ConfigException;
import dev.eventpipeline.config.JobConfig;

import com.rabbitmq.client.Channel;

import java.io.IOException;
import java.util.Locale;
import java.util.Map;

/** How the job declares a RabbitMQ queue it reads from or writes dead letters to. */
public enum QueueDeclaration {
    /** Declares a durable, non-exclusive classic queue unless one exists with those properties. */
    CLASSIC,
    /** Declares a durable quorum queue unless one exists with those properties. */
    QUORUM,
    /** Declares nothing; the queue must exist, with whatever type and arguments it has. */
    PASSIVE;

    /** Parses the value of {@code key}: {@code classic}, {@code quorum} or {@code passive}. */
    public static QueueDeclaration fromConfig(JobConfig config, String key) {
        String value = config.get(key).trim();
        for (QueueDeclaration declaration : values()) {
            if (declaration.name().toLowerCase(Locale.ROOT).equals(value)) {
                return declaration;
            }
        }
        throw ConfigException.invalid(key, value, "classic, quorum or passive");
    }

    /**
     * Declares {@code queue} on {@code channel}. RabbitMQ closes the channel when the queue exists
     * with other properties, or, for {@link #PASSIVE}, does not exist; the exception then says
     * which setting to change.
     */
    public void declare(Channel channel, String queue, String key) throws IOException {
        try {
            switch (this) {
                case CLASSIC:
                    channel.queueDeclare(queue, true, false, false, null);
                    break;
                case QUORUM:
                    channel.queueDeclare(
                            queue, true, false, false, Map.of("x-queue-type", "quorum"));
                    break;
                default:
                    channel.queueDeclarePassive(queue);
            }
        } catch (IOException e) {
            String fix =
                    this == PASSIVE
                            ? "Create the queue first, or set " + key + " to classic or quorum."
                            : "The queue may exist with another type or other arguments; set "
                                    + key
                                    + " to passive, or to the queue's type.";
            throw new IOException(
                    "Declaring RabbitMQ queue '"
                            + queue
                            + "' with "
                            + key
                            + "="
                            + name().toLowerCase(Locale.ROOT)
                            + " failed: "
                            + rootMessage(e)
                            + ". "
                            + fix,
                    e);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return String.valueOf(cause.getMessage());
    }
}
