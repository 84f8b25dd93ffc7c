package dev.eventpipeline.monitoring;

import dev.eventpipeline.testing.MonitoringFiles;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

import javax.xml.parsers.DocumentBuilderFactory;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Checks docker-compose.yml without a Docker engine. The file must parse, every mounted file must
 * exist, and host ports must not clash. Image tags must be pinned to the versions the build uses.
 * The Flink containers must get flink-conf/ and the Prometheus reporter, and the submitter must run
 * the jar the build produces.
 */
class DockerComposeTest {

    private static final Path COMPOSE = Path.of("docker-compose.yml");
    private static final Pattern VERSION_TAG = Pattern.compile("v?\\d+(\\.\\d+){1,2}([-.\\w]*)");
    private static final String FLINK_CONF_MOUNT = "/opt/event-pipeline/flink-conf";

    private static Map<String, Map<String, Object>> services;
    private static String flinkVersion;
    private static String finalName;
    private static String kafkaVersion;

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void load() throws Exception {
        Map<String, Object> compose = (Map<String, Object>) MonitoringFiles.loadYaml(COMPOSE);
        services = (Map<String, Map<String, Object>>) compose.get("services");
        Document pom = xml(Path.of("pom.xml"));
        flinkVersion = pom.getElementsByTagName("flink.version").item(0).getTextContent();
        finalName = pom.getElementsByTagName("finalName").item(0).getTextContent();
        kafkaVersion =
                xml(Path.of("broker/pom.xml"))
                        .getElementsByTagName("kafka.broker.version")
                        .item(0)
                        .getTextContent();
    }

    private static Document xml(Path file) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file.toFile());
    }

    @Test
    void stackHasEveryService() {
        assertThat(services)
                .containsKeys(
                        "kafka",
                        "kafka-setup",
                        "jobmanager",
                        "taskmanager",
                        "job-submitter",
                        "rabbitmq",
                        "nats",
                        "prometheus",
                        "grafana");
    }

    @Test
    void imageTagsArePinned() {
        for (Map.Entry<String, Map<String, Object>> service : services.entrySet()) {
            String image = (String) service.getValue().get("image");
            assertThat(image).as(service.getKey() + " image").isNotNull();
            int colon = image.lastIndexOf(':');
            assertThat(colon).as(service.getKey() + " image has a tag: " + image).isPositive();
            String tag = image.substring(colon + 1);
            assertThat(tag).as(service.getKey() + " tag").isNotEqualTo("latest");
            assertThat(VERSION_TAG.matcher(tag).matches())
                    .as(service.getKey() + " tag " + tag + " names a full version")
                    .isTrue();
        }
        for (String flink : List.of("jobmanager", "taskmanager", "job-submitter")) {
            assertThat(services.get(flink).get("image"))
                    .as(flink + " image")
                    .isEqualTo("flink:" + flinkVersion + "-scala_2.12-java17");
        }
        assertThat(services.get("kafka").get("image"))
                .as("Kafka image, the broker version the tests run")
                .isEqualTo("apache/kafka:" + kafkaVersion);
    }

    @Test
    void mountedFilesExist() {
        for (Map.Entry<String, Map<String, Object>> service : services.entrySet()) {
            for (String[] mount : bindMounts(service.getValue())) {
                assertThat(Path.of(mount[0]))
                        .as(service.getKey() + " mount source " + mount[0])
                        .exists();
            }
        }
    }

    @Test
    void hostPortsDoNotClash() {
        Map<String, String> owners = new HashMap<>();
        for (Map.Entry<String, Map<String, Object>> service : services.entrySet()) {
            for (Object port : list(service.getValue().get("ports"))) {
                String[] parts = String.valueOf(port).split(":");
                assertThat(parts.length)
                        .as(service.getKey() + " port " + port + " names a host port")
                        .isGreaterThanOrEqualTo(2);
                String hostPort = parts[parts.length - 2];
                String previous = owners.put(hostPort, service.getKey());
                assertThat(previous)
                        .as("host port " + hostPort + " of " + service.getKey())
                        .isNull();
            }
        }
    }

    @Test
    void flinkGetsConfAndReporterPlugin() throws Exception {
        String config = Files.readString(Path.of("flink-conf/config.yaml"), StandardCharsets.UTF_8);
        assertThat(config)
                .contains(
                        "metrics.reporter.prom.factory.class:"
                                + " org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
        String entrypoint =
                Files.readString(Path.of("docker/flink-entrypoint.sh"), StandardCharsets.UTF_8);
        assertThat(entrypoint).contains(FLINK_CONF_MOUNT).contains("$FLINK_HOME/conf/");

        for (String flink : List.of("jobmanager", "taskmanager", "job-submitter")) {
            Map<String, Object> service = services.get(flink);
            assertThat(list(service.get("entrypoint")))
                    .as(flink + " entrypoint")
                    .contains("/opt/event-pipeline/docker/flink-entrypoint.sh");
            assertThat(sourceOf(service, FLINK_CONF_MOUNT))
                    .as(flink + " mounts flink-conf/")
                    .contains("./flink-conf");
            Optional<String> plugin = sourceOf(service, "/opt/flink/plugins/metrics-prometheus");
            assertThat(plugin).as(flink + " mounts the Prometheus reporter plugin").isPresent();
            assertThat(Path.of(plugin.get(), "flink-metrics-prometheus-" + flinkVersion + ".jar"))
                    .as(flink + " reporter jar of Flink " + flinkVersion)
                    .isRegularFile();
        }
    }

    @Test
    void submitterRunsBuiltJar() {
        Map<String, Object> submitter = services.get("job-submitter");
        List<Object> command = list(submitter.get("command"));
        assertThat(command.subList(0, 2)).as("submit command").containsExactly("flink", "run");

        String jar =
                command.stream()
                        .map(String::valueOf)
                        .filter(a -> a.endsWith(".jar"))
                        .findFirst()
                        .orElseThrow();
        assertThat(hostPath(submitter, jar))
                .as("host path of " + jar)
                .contains(Path.of("target", finalName + ".jar").normalize());

        String jobFile = String.valueOf(command.get(command.indexOf("--job") + 1));
        Optional<Path> jobFileOnHost = hostPath(submitter, jobFile);
        assertThat(jobFileOnHost).as("host path of " + jobFile).isPresent();
        assertThat(jobFileOnHost.get()).as("job file").isRegularFile();
        assertThat(jobFileOnHost.get().startsWith(Path.of("jobs")))
                .as("job file in jobs/")
                .isTrue();
    }

    @Test
    @SuppressWarnings("unchecked")
    void prometheusScrapesReporterPort() throws Exception {
        // Each container has its own address, so its reporter takes the first port of the range.
        Matcher range =
                Pattern.compile("(?m)^metrics\\.reporter\\.prom\\.port: (\\d+)-(\\d+)$")
                        .matcher(
                                Files.readString(
                                        Path.of("flink-conf/config.yaml"), StandardCharsets.UTF_8));
        assertThat(range.find()).as("reporter port range in flink-conf/config.yaml").isTrue();
        int firstPort = Integer.parseInt(range.group(1));

        Map<String, Object> prometheus =
                (Map<String, Object>) MonitoringFiles.loadYaml(MonitoringFiles.PROMETHEUS_CONFIG);
        for (Object ruleFile : list(prometheus.get("rule_files"))) {
            assertThat(sourceOf(services.get("prometheus"), String.valueOf(ruleFile)))
                    .as("mount of rule file " + ruleFile)
                    .contains("./" + MonitoringFiles.ALERT_RULES);
        }
        String config = String.valueOf(prometheus.get("scrape_configs"));
        Matcher ports = Pattern.compile("(?:jobmanager:|port=)(\\d+)").matcher(config);
        List<Integer> scraped = new ArrayList<>();
        while (ports.find()) {
            scraped.add(Integer.parseInt(ports.group(1)));
        }
        assertThat(scraped).as("scraped reporter ports").hasSize(2).containsOnly(firstPort);
    }

    // ------------------------------------------------------------------ helpers

    /** Returns the bind mounts of a service as {host path, container path} pairs. */
    private static List<String[]> bindMounts(Map<String, Object> service) {
        List<String[]> mounts = new ArrayList<>();
        for (Object volume : list(service.get("volumes"))) {
            String[] parts = String.valueOf(volume).split(":");
            if (parts[0].startsWith("./") || parts[0].startsWith("../")) {
                mounts.add(new String[] {parts[0], parts[1]});
            }
        }
        return mounts;
    }

    private static Optional<String> sourceOf(Map<String, Object> service, String target) {
        for (String[] mount : bindMounts(service)) {
            if (mount[1].equals(target)) {
                return Optional.of(mount[0]);
            }
        }
        return Optional.empty();
    }

    /** Maps a path inside the container to the host path of the bind mount that contains it. */
    private static Optional<Path> hostPath(Map<String, Object> service, String containerPath) {
        for (String[] mount : bindMounts(service)) {
            if (containerPath.startsWith(mount[1] + "/")) {
                return Optional.of(
                        Path.of(mount[0], containerPath.substring(mount[1].length() + 1))
                                .normalize());
            }
        }
        return Optional.empty();
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object value) {
        return value == null ? List.of() : (List<Object>) value;
    }
}
