package dev.eventpipeline.monitoring;

import dev.eventpipeline.testing.ExportedMetrics;
import dev.eventpipeline.testing.MonitoringFiles;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Checks the Prometheus alert rules and the Grafana dashboard. Both must parse, and every metric
 * they use must be one the job or Flink exports. Every label they group by must be one the reporter
 * sets, and every alert must link to a runbook section that exists.
 */
class MonitoringFilesTest {

    /** Labels that Flink's Prometheus reporter sets, plus the job's own {@code reason} group. */
    private static final Set<String> LABELS =
            Set.of(
                    "job_id",
                    "job_name",
                    "task_id",
                    "task_name",
                    "task_attempt_id",
                    "task_attempt_num",
                    "operator_id",
                    "operator_name",
                    "subtask_index",
                    "tm_id",
                    "host",
                    "reason");

    private static final Path RUNBOOK = Path.of("docs/runbook.md");

    @Test
    void alertRulesUseExportedMetrics() {
        Map<String, String> expressions = MonitoringFiles.alertExpressions();
        assertThat(expressions).as("alert rules").isNotEmpty();
        for (Map.Entry<String, String> alert : expressions.entrySet()) {
            Set<String> metrics = MonitoringFiles.metricNames(alert.getValue());
            assertThat(metrics).as("metrics of alert " + alert.getKey()).isNotEmpty();
            assertThat(ExportedMetrics.all())
                    .as("exported metrics used by alert " + alert.getKey())
                    .containsAll(metrics);
            assertThat(LABELS)
                    .as("labels used by alert " + alert.getKey())
                    .containsAll(MonitoringFiles.labelNames(alert.getValue()));
        }
    }

    @Test
    void alertRulesCoverOperatorQuestions() {
        assertThat(MonitoringFiles.alertExpressions().keySet())
                .contains(
                        "EventPipelineConsumerLagGrowing",
                        "EventPipelineDeadLetterRateHigh",
                        "EventPipelineLateRecordRateHigh",
                        "EventPipelineCheckpointFailures",
                        "EventPipelineJobRestarting",
                        "EventPipelineNoOutput");
    }

    @Test
    @SuppressWarnings("unchecked")
    void alertRulesHaveSeverityAndRunbook() throws IOException {
        Set<String> anchors = headingAnchors(Files.readString(RUNBOOK, StandardCharsets.UTF_8));
        for (Map<String, Object> rule : MonitoringFiles.alertRules()) {
            String alert = (String) rule.get("alert");
            Map<String, Object> labels = (Map<String, Object>) rule.get("labels");
            Map<String, Object> annotations = (Map<String, Object>) rule.get("annotations");
            assertThat(labels).as(alert + " labels").isNotNull();
            assertThat(labels.get("severity")).as(alert + " severity").isIn("warning", "critical");
            assertThat(annotations).as(alert + " annotations").isNotNull();
            assertThat((String) annotations.get("summary")).as(alert + " summary").isNotBlank();
            String url = (String) annotations.get("runbook_url");
            assertThat(url).as(alert + " runbook_url").startsWith("docs/runbook.md#");
            assertThat(anchors)
                    .as(alert + " runbook section")
                    .contains(url.substring(url.indexOf('#') + 1));
        }
    }

    @Test
    void dashboardUsesExportedMetrics() {
        Map<String, String> expressions = MonitoringFiles.dashboardExpressions();
        assertThat(expressions).as("dashboard queries").hasSizeGreaterThan(10);
        for (Map.Entry<String, String> query : expressions.entrySet()) {
            Set<String> metrics = MonitoringFiles.metricNames(query.getValue());
            assertThat(metrics).as("metrics of panel " + query.getKey()).isNotEmpty();
            assertThat(ExportedMetrics.all())
                    .as("exported metrics used by panel " + query.getKey())
                    .containsAll(metrics);
            assertThat(LABELS)
                    .as("labels used by panel " + query.getKey())
                    .containsAll(MonitoringFiles.labelNames(query.getValue()));
        }
        assertThat(ExportedMetrics.all())
                .as("metrics of the dashboard variables")
                .containsAll(MonitoringFiles.dashboardVariableMetrics());
    }

    @Test
    void dashboardShowsEveryJobMetric() {
        Set<String> used = MonitoringFiles.metricNamesInUse();
        assertThat(used).containsAll(ExportedMetrics.jobOwnNames());
        assertThat(used).contains(ExportedMetrics.PENDING_RECORDS, ExportedMetrics.RECORDS_LAG_MAX);
    }

    @Test
    @SuppressWarnings("unchecked")
    void dashboardUsesProvisionedDataSource() {
        Map<String, Object> provisioning =
                (Map<String, Object>) MonitoringFiles.loadYaml(MonitoringFiles.DATASOURCE);
        Map<String, Object> datasource =
                ((List<Map<String, Object>>) provisioning.get("datasources")).get(0);
        String uid = (String) datasource.get("uid");

        JsonNode dashboard = MonitoringFiles.loadJson(MonitoringFiles.DASHBOARD);
        assertThat(dashboard.path("uid").asText()).as("dashboard uid").isNotBlank();
        for (JsonNode panel : dashboard.get("panels")) {
            if (panel.get("type").asText().equals("row")) {
                continue;
            }
            String title = panel.get("title").asText();
            assertThat(panel.path("datasource").path("uid").asText())
                    .as("data source of panel " + title)
                    .isEqualTo(uid);
            for (JsonNode target : panel.get("targets")) {
                assertThat(target.path("datasource").path("uid").asText())
                        .as("data source of a query of panel " + title)
                        .isEqualTo(uid);
            }
        }
    }

    @Test
    void metricNamesIgnoreFunctionsAndLabels() {
        String expression =
                "sum by (job_name) (rate(flink_a{reason=\"late\",job_name=~\"$job\"}[5m]))\n"
                        + "  / on (job_name) group_left max(flink_b offset 5m) > 1e3"
                        + " and deriv(sum(flink_c)[15m:1m]) > 0 unless absent(flink_d)";

        assertThat(MonitoringFiles.metricNames(expression))
                .containsExactlyInAnyOrder("flink_a", "flink_b", "flink_c", "flink_d");
        assertThat(MonitoringFiles.labelNames(expression))
                .containsExactlyInAnyOrder("job_name", "reason");
    }

    /** Returns the anchors GitHub gives the Markdown headings of {@code markdown}. */
    private static Set<String> headingAnchors(String markdown) {
        Set<String> anchors = new TreeSet<>();
        for (String line : markdown.split("\n")) {
            if (line.startsWith("#")) {
                String heading = line.replaceFirst("^#+\\s*", "").trim();
                anchors.add(
                        heading.toLowerCase(Locale.ROOT)
                                .replaceAll("[^a-z0-9 _-]", "")
                                .replace(' ', '-'));
            }
        }
        return anchors;
    }
}
