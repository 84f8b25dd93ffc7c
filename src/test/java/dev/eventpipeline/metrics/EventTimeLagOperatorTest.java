package dev.eventpipeline.metrics;

import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.metrics.groups.InternalOperatorMetricGroup;
import org.apache.flink.runtime.metrics.util.InterceptingOperatorMetricGroup;
import org.apache.flink.runtime.metrics.util.InterceptingTaskMetricGroup;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.runtime.operators.testutils.MockEnvironmentBuilder;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.eventpipeline.testing.TestEvents.TEN_O_CLOCK;
import static org.assertj.core.api.Assertions.assertThat;

class EventTimeLagOperatorTest {

    /** Opens a harness whose operator metric group keeps every registered metric. */
    private static OneInputStreamOperatorTestHarness<String, String> harness(
            InterceptingOperatorMetricGroup operatorMetrics) throws Exception {
        InterceptingTaskMetricGroup taskMetrics =
                new InterceptingTaskMetricGroup() {
                    @Override
                    public InternalOperatorMetricGroup getOrAddOperator(
                            OperatorID operatorId, String name) {
                        return operatorMetrics;
                    }
                };
        MockEnvironment environment =
                new MockEnvironmentBuilder().setMetricGroup(taskMetrics).build();
        OneInputStreamOperatorTestHarness<String, String> harness =
                new OneInputStreamOperatorTestHarness<>(
                        new EventTimeLagOperator<String>(), environment);
        harness.open();
        return harness;
    }

    private static long lag(InterceptingOperatorMetricGroup metrics) {
        Metric metric = metrics.get(PipelineMetrics.EVENT_TIME_LAG);
        assertThat(metric).as("registered gauge " + PipelineMetrics.EVENT_TIME_LAG).isNotNull();
        return ((Number) ((Gauge<?>) metric).getValue()).longValue();
    }

    @Test
    void lagIsProcessingTimeMinusWatermark() throws Exception {
        InterceptingOperatorMetricGroup metrics = new InterceptingOperatorMetricGroup();
        try (var harness = harness(metrics)) {
            harness.setProcessingTime(TEN_O_CLOCK + 90_000);
            harness.processWatermark(new Watermark(TEN_O_CLOCK + 30_000));
            assertThat(lag(metrics)).isEqualTo(60_000);

            // Wall-clock time passes without a new watermark: the lag grows.
            harness.setProcessingTime(TEN_O_CLOCK + 100_000);
            assertThat(lag(metrics)).isEqualTo(70_000);

            harness.processWatermark(new Watermark(TEN_O_CLOCK + 99_000));
            assertThat(lag(metrics)).isEqualTo(1_000);
        }
    }

    @Test
    void lagBeforeFirstWatermarkIsMarked() throws Exception {
        InterceptingOperatorMetricGroup metrics = new InterceptingOperatorMetricGroup();
        try (var harness = harness(metrics)) {
            harness.setProcessingTime(TEN_O_CLOCK);
            assertThat(lag(metrics)).isEqualTo(EventTimeLagOperator.NO_WATERMARK);
        }
    }

    @Test
    void lagAfterEndOfInputIsZero() throws Exception {
        InterceptingOperatorMetricGroup metrics = new InterceptingOperatorMetricGroup();
        try (var harness = harness(metrics)) {
            harness.setProcessingTime(TEN_O_CLOCK);
            harness.processWatermark(Watermark.MAX_WATERMARK);
            assertThat(lag(metrics)).isZero();
        }
    }

    @Test
    void lagIsNegativeForEventTimeAhead() throws Exception {
        InterceptingOperatorMetricGroup metrics = new InterceptingOperatorMetricGroup();
        try (var harness = harness(metrics)) {
            harness.setProcessingTime(TEN_O_CLOCK);
            harness.processWatermark(new Watermark(TEN_O_CLOCK + 5_000));
            assertThat(lag(metrics)).isEqualTo(-5_000);
        }
    }

    @Test
    void recordsAndWatermarksPassUnchanged() throws Exception {
        try (var harness = harness(new InterceptingOperatorMetricGroup())) {
            harness.processElement(new StreamRecord<>("a", TEN_O_CLOCK));
            harness.processWatermark(new Watermark(TEN_O_CLOCK + 1));
            harness.processElement(new StreamRecord<>("b", TEN_O_CLOCK + 2));

            List<Object> output = new ArrayList<>(harness.getOutput());
            assertThat(output)
                    .containsExactly(
                            new StreamRecord<>("a", TEN_O_CLOCK),
                            new Watermark(TEN_O_CLOCK + 1),
                            new StreamRecord<>("b", TEN_O_CLOCK + 2));
        }
    }
}
