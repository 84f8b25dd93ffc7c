package dev.eventpipeline.config;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class ConfigurationDocsTest {

    @Test
    void everyKeyIsDocumentedWithItsDefault() throws IOException {
        String docs = Files.readString(Path.of("docs/configuration.md"));

        for (ConfigKeys.Key key : ConfigKeys.all().values()) {
            String defaultText =
                    key.defaultValue.isEmpty() ? "(unset)" : "`" + key.defaultValue + "`";
            assertThat(docs).as(key.name).contains("| `" + key.name + "` | " + defaultText + " |");
        }
        for (String prefix : ConfigKeys.PASS_THROUGH_PREFIXES) {
            assertThat(docs).as(prefix).contains("`" + prefix + "*`");
        }
    }

    @Test
    void shippedJobFilesLoad() throws IOException {
        try (var files = Files.list(Path.of("jobs"))) {
            files.filter(path -> path.toString().endsWith(".yaml"))
                    .forEach(
                            path ->
                                    assertThat(
                                                    JobConfigLoader.fromArgs(
                                                                    new String[] {
                                                                        "--job", path.toString()
                                                                    },
                                                                    System.getenv())
                                                            .name())
                                            .as(path.toString())
                                            .isNotBlank());
        }
    }
}
