package dev.eventpipeline.sink.nats;

import dev.eventpipeline.config.ConfigException;
import dev.eventpipeline.config.JobConfig;
import dev.eventpipeline.model.DeadLetter;
import dev.eventpipeline.source.nats.NatsEndpoint;

import org.apache.flink.api.common.TaskInfo;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.metrics.groups.SinkWriterMetricGroup;

import java.io.IOException;
import java.time.Duration;
import java.util.regex.Pattern;

/**
 * Publishes dead letters to a NATS JetStream subject: the original value as payload, the {@code
 * dlq.*} fields as NATS headers and the original key as the {@code dlq.key} header, each header
 * percent-encoded where it is not printable ASCII (see {@link NatsHeaderText}). Each writer waits
 * for the stream's publish acknowledgements of everything it published before a checkpoint can
 * complete, so a dead letter the stream did not store fails the checkpoint and is written again
 * after the restart.
 *
 * <p>A letter from a source with offsets (Kafka, NATS) carries a {@code Nats-Msg-Id} made of job,
 * topic, partition and offset, so the stream drops a rewrite after a restart within its duplicate
 * window (two minutes unless the stream sets another). Letters from RabbitMQ have no offset and may
 * be written twice after a restart.
 */
public class NatsDeadLetterSink implements Sink<DeadLetter> {

    private static final long serialVersionUID = 1L;

    private static final Pattern SUBJECT = Pattern.compile("[^.\\s*>]+(\\.[^.\\s*>]+)*");

    /** How long a checkpoint waits for outstanding publish acknowledgements. */
    static final Duration ACK_TIMEOUT = Duration.ofSeconds(60);

    final NatsEndpoint endpoint;
    final String subject;
    final String jobName;

    NatsDeadLetterSink(NatsEndpoint endpoint, String subject, String jobName) {
        this.endpoint = endpoint;
        this.subject = subject;
        this.jobName = jobName;
    }

    /** Builds the sink from the {@code dlq.*} keys of a job file. */
    public static NatsDeadLetterSink fromConfig(JobConfig config) {
        String subject = config.get("dlq.subject").trim();
        if (!SUBJECT.matcher(subject).matches()) {
            throw ConfigException.invalid(
                    "dlq.subject",
                    subject,
                    "a NATS subject without wildcards, e.g. dead-letters.events");
        }
        return new NatsDeadLetterSink(
                NatsEndpoint.fromConfig(config, "dlq"), subject, config.name());
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
        return new NatsDeadLetterWriter(this, task.getIndexOfThisSubtask(), metrics);
    }
}
