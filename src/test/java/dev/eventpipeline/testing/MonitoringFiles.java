package dev.eventpipeline.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the monitoring files of the repository (Prometheus alert rules, Grafana dashboard) and
 * finds the metric and label names their PromQL expressions use.
 */
public final class MonitoringFiles {

    public static final Path ALERT_RULES = Path.of("monitoring/prometheus/alerts.yml");
    public static final Path PROMETHEUS_CONFIG = Path.of("monitoring/prometheus/prometheus.yml");
    public static final Path DASHBOARD =
            Path.of("monitoring/grafana/dashboards/event-pipeline.json");
    public static final Path DATASOURCE =
            Path.of("monitoring/grafana/provisioning/datasources/prometheus.yml");
    public static final Path DASHBOARD_PROVIDER =
            Path.of("monitoring/grafana/provisioning/dashboards/event-pipeline.yml");

    private static final ObjectMapper JSON = new ObjectMapper();

    /** PromQL words that are neither metrics nor functions. */
    private static final Set<String> KEYWORDS =
            Set.of(
                    "and",
                    "or",
                    "unless",
                    "by",
                    "without",
                    "on",
                    "ignoring",
                    "group_left",
                    "group_right",
                    "bool",
                    "offset",
                    "inf",
                    "nan",
                    "Inf",
                    "NaN");

    private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'[^']*'");
    private static final Pattern MATCHERS = Pattern.compile("\\{[^}]*}");
    private static final Pattern RANGE = Pattern.compile("\\[[^\\]]*]");
    private static final Pattern GROUPING =
            Pattern.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\(([^)]*)\\)");
    private static final Pattern MATCHER_LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)\\s*=~?");
    private static final Pattern IDENTIFIER =
            Pattern.compile("(?<![\\w.$])[a-zA-Z_:][a-zA-Z0-9_:]*(?=\\s*(\\()?)");
    private static final Pattern LABEL_VALUES =
            Pattern.compile("label_values\\(\\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*,\\s*(\\w+)\\s*\\)");

    private MonitoringFiles() {}

    /** Parses a YAML file with SnakeYAML's safe constructor. */
    public static Object loadYaml(Path file) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        try {
            return new Yaml(new SafeConstructor(options))
                    .load(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("Failed to read " + file, e);
        }
    }

    public static JsonNode loadJson(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("Failed to read " + file, e);
        }
    }

    /** Returns every alerting rule of the rule file, in file order. */
    @SuppressWarnings("unchecked")
    public static List<Map<String, Object>> alertRules() {
        Map<String, Object> document = (Map<String, Object>) loadYaml(ALERT_RULES);
        List<Map<String, Object>> rules = new ArrayList<>();
        for (Map<String, Object> group : (List<Map<String, Object>>) document.get("groups")) {
            rules.addAll((List<Map<String, Object>>) group.get("rules"));
        }
        return rules;
    }

    /** Returns the PromQL expression of every alert rule, by alert name. */
    public static Map<String, String> alertExpressions() {
        Map<String, String> expressions = new LinkedHashMap<>();
        for (Map<String, Object> rule : alertRules()) {
            expressions.put((String) rule.get("alert"), (String) rule.get("expr"));
        }
        return expressions;
    }

    /** Returns the PromQL expression of every dashboard target, keyed by panel title and ref. */
    public static Map<String, String> dashboardExpressions() {
        Map<String, String> expressions = new LinkedHashMap<>();
        for (JsonNode panel : loadJson(DASHBOARD).get("panels")) {
            for (JsonNode target : panel.path("targets")) {
                expressions.put(
                        panel.get("title").asText() + " / " + target.get("refId").asText(),
                        target.get("expr").asText());
            }
        }
        return expressions;
    }

    /** Returns the metric names that the dashboard's template variables query. */
    public static Set<String> dashboardVariableMetrics() {
        Set<String> metrics = new TreeSet<>();
        for (JsonNode variable : loadJson(DASHBOARD).path("templating").path("list")) {
            Matcher matcher = LABEL_VALUES.matcher(variable.path("definition").asText());
            if (matcher.find()) {
                metrics.add(matcher.group(1));
            }
        }
        return metrics;
    }

    /** Returns the metric names of every alert rule and dashboard query. */
    public static Set<String> metricNamesInUse() {
        Set<String> names = new TreeSet<>();
        alertExpressions().values().forEach(expression -> names.addAll(metricNames(expression)));
        dashboardExpressions()
                .values()
                .forEach(expression -> names.addAll(metricNames(expression)));
        names.addAll(dashboardVariableMetrics());
        return names;
    }

    /**
     * Returns the metric names of a PromQL expression: the identifiers that are not functions,
     * aggregations, keywords, label names or parts of strings, label matchers and ranges.
     */
    public static Set<String> metricNames(String expression) {
        String text = STRING.matcher(expression).replaceAll("\"\"");
        text = MATCHERS.matcher(text).replaceAll(" ");
        text = RANGE.matcher(text).replaceAll(" ");
        text = GROUPING.matcher(text).replaceAll(" ");
        Set<String> names = new TreeSet<>();
        Matcher matcher = IDENTIFIER.matcher(text);
        while (matcher.find()) {
            String identifier = matcher.group();
            boolean isCall = matcher.group(1) != null;
            if (!isCall && !KEYWORDS.contains(identifier)) {
                names.add(identifier);
            }
        }
        return names;
    }

    /** Returns the label names a PromQL expression groups by or matches on. */
    public static Set<String> labelNames(String expression) {
        String text = STRING.matcher(expression).replaceAll("\"\"");
        Set<String> labels = new TreeSet<>();
        Matcher grouping = GROUPING.matcher(text);
        while (grouping.find()) {
            for (String label : grouping.group(2).split(",")) {
                if (!label.isBlank()) {
                    labels.add(label.trim());
                }
            }
        }
        Matcher matchers = MATCHERS.matcher(text);
        while (matchers.find()) {
            Matcher label = MATCHER_LABEL.matcher(matchers.group());
            while (label.find()) {
                labels.add(label.group(1));
            }
        }
        return labels;
    }
}
