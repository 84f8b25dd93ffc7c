package dev.eventpipeline.source.nats;

import dev.eventpipeline.config.JobConfig;
import dev.eventpipeline.job.OperatorIds;
import dev.eventpipeline.model.SourceRecord;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Flink source (FLIP-27) that reads events from a NATS JetStream stream through one durable pull
 * consumer with explicit acknowledgement. Messages are acknowledged only when the checkpoint that
 * covers them completes, so the source is at-least-once: after a failure the server redelivers what
 * the restored state does not cover, and the dedup stage counts redelivered events as duplicates.
 * In bounded mode it stops at the stream's last sequence at the job's first start.
 *
 * <p>The whole stream is one split, read by one subtask; the rest of the pipeline runs at the job's
 * parallelism.
 */
public final class NatsSource
        implements Source<SourceRecord, NatsSplit, NatsEnumeratorState>,
                ResultTypeQueryable<SourceRecord> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(NatsSource.class);

    private final NatsSourceSettings settings;

    public NatsSource(NatsSourceSettings settings) {
        this.settings = settings;
    }

    /** Adds the source, with watermarks per split, to {@code env} at parallelism 1. */
    public static DataStream<SourceRecord> addTo(
            StreamExecutionEnvironment env,
            JobConfig config,
            WatermarkStrategy<SourceRecord> watermarks) {
        NatsSourceSettings settings = NatsSourceSettings.fromConfig(config);
        LOG.info("NATS JetStream source: {}", settings);
        return env.fromSource(new NatsSource(settings), watermarks, OperatorIds.SOURCE_NAME)
                .uid(OperatorIds.NATS_SOURCE_UID)
                .setParallelism(1);
    }

    @Override
    public Boundedness getBoundedness() {
        return settings.bounded ? Boundedness.BOUNDED : Boundedness.CONTINUOUS_UNBOUNDED;
    }

    @Override
    public SplitEnumerator<NatsSplit, NatsEnumeratorState> createEnumerator(
            SplitEnumeratorContext<NatsSplit> context) {
        return new NatsSplitEnumerator(settings, context, null);
    }

    @Override
    public SplitEnumerator<NatsSplit, NatsEnumeratorState> restoreEnumerator(
            SplitEnumeratorContext<NatsSplit> context, NatsEnumeratorState checkpoint) {
        return new NatsSplitEnumerator(settings, context, checkpoint);
    }

    @Override
    public SimpleVersionedSerializer<NatsSplit> getSplitSerializer() {
        return new NatsSplitSerializer();
    }

    @Override
    public SimpleVersionedSerializer<NatsEnumeratorState> getEnumeratorCheckpointSerializer() {
        return new NatsEnumeratorStateSerializer();
    }

    @Override
    public SourceReader<SourceRecord, NatsSplit> createReader(SourceReaderContext context) {
        return new NatsSourceReader(settings, context);
    }

    @Override
    public TypeInformation<SourceRecord> getProducedType() {
        return TypeInformation.of(SourceRecord.class);
    }
}
