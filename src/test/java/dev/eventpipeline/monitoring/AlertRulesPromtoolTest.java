package dev.eventpipeline.monitoring;

import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Runs Prometheus's own rule checks: {@code promtool check rules} parses every expression, and
 * {@code promtool test rules} evaluates the alerts on the series of {@code alerts-test.yml}.
 *
 * <p>NOTE: promtool is not a Maven artifact. The test runs where promtool is on the PATH or the
 * environment variable PROMTOOL names it, and is skipped elsewhere. {@code scripts/test.sh} sets
 * PROMTOOL to the binary of Debian's prometheus package (see {@code scripts/promtool.sh}).
 */
class AlertRulesPromtoolTest {

    private static final Path RULES = Path.of("monitoring/prometheus/alerts.yml");
    private static final Path RULE_TESTS = Path.of("monitoring/prometheus/alerts-test.yml");

    @Test
    void promtoolAcceptsRules() throws Exception {
        Path promtool = promtool().orElse(null);
        assumeTrue(promtool != null, "promtool not found on PATH or in $PROMTOOL");

        assertThat(run(promtool, "check", "rules", RULES.toString()))
                .as("promtool check rules")
                .contains("SUCCESS");
        assertThat(run(promtool, "test", "rules", RULE_TESTS.toString()))
                .as("promtool test rules")
                .contains("SUCCESS");
    }

    private static String run(Path promtool, String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of(promtool.toString()));
        command.addAll(List.of(args));
        Path output = Files.createTempFile("promtool", ".out");
        try {
            Process process =
                    new ProcessBuilder(command)
                            .redirectErrorStream(true)
                            .redirectOutput(output.toFile())
                            .start();
            assertThat(process.waitFor(60, TimeUnit.SECONDS))
                    .as(String.join(" ", command) + " ends within 60 s")
                    .isTrue();
            String text = Files.readString(output, StandardCharsets.UTF_8);
            assertThat(process.exitValue()).as(String.join(" ", command) + "\n" + text).isZero();
            return text;
        } finally {
            Files.deleteIfExists(output);
        }
    }

    private static Optional<Path> promtool() {
        String configured = System.getenv("PROMTOOL");
        if (configured != null && !configured.isBlank()) {
            return Optional.of(Path.of(configured));
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir, "promtool");
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}
