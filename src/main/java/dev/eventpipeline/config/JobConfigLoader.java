package dev.eventpipeline.config;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a {@link JobConfig} from the command line: {@code --job FILE} (a YAML job file) and any
 * number of {@code --set KEY=VALUE} overrides in dotted form. Without {@code --job} the built-in
 * defaults apply.
 */
public final class JobConfigLoader {

    /** Command-line help, printed with every usage error. */
    public static final String USAGE =
            "Usage: --job FILE [--set KEY=VALUE]...  (keys in dotted form, e.g."
                    + " --set source.topic=events --set windows=tumbling:60s)";

    private JobConfigLoader() {}

    /**
     * Returns whether {@code args} is a request for the usage text: {@code --help} or {@code -h}.
     */
    public static boolean asksForHelp(String[] args) {
        return args.length == 1 && ("--help".equals(args[0]) || "-h".equals(args[0]));
    }

    /** Loads the configuration that {@code args} describe, with the process environment. */
    public static JobConfig fromArgs(String[] args) {
        return fromArgs(args, System.getenv());
    }

    /** Loads the configuration that {@code args} describe; {@code env} resolves secrets. */
    public static JobConfig fromArgs(String[] args, Map<String, String> env) {
        Path jobFile = null;
        List<String> overrides = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--job") || arg.equals("--set")) {
                if (i + 1 >= args.length) {
                    throw new ConfigException("Missing value after " + arg + ". " + USAGE);
                }
                String value = args[++i];
                if (arg.equals("--job")) {
                    if (jobFile != null) {
                        throw new ConfigException("--job is given twice. " + USAGE);
                    }
                    jobFile = Path.of(value);
                } else {
                    overrides.add(value);
                }
            } else {
                throw new ConfigException("Unknown argument '" + arg + "'. " + USAGE);
            }
        }
        Map<String, String> values = new LinkedHashMap<>();
        if (jobFile != null) {
            values.putAll(readJobFile(jobFile));
        }
        for (String override : overrides) {
            int equals = override.indexOf('=');
            if (equals <= 0) {
                throw new ConfigException(
                        "Invalid --set '" + override + "': expected KEY=VALUE. " + USAGE);
            }
            values.put(override.substring(0, equals).trim(), override.substring(equals + 1));
        }
        return build(values, env);
    }

    /** Validates explicit values over the defaults; unknown keys are errors. */
    public static JobConfig build(Map<String, String> explicit, Map<String, String> env) {
        Map<String, String> effective = new LinkedHashMap<>();
        ConfigKeys.all().forEach((name, key) -> effective.put(name, key.defaultValue));
        for (Map.Entry<String, String> entry : explicit.entrySet()) {
            String key = entry.getKey();
            if (!ConfigKeys.isKnown(key)) {
                throw new ConfigException(
                        "Unknown configuration key '"
                                + key
                                + "' (value '"
                                + Secrets.mask(key, entry.getValue())
                                + "'). Known keys: "
                                + String.join(", ", ConfigKeys.all().keySet())
                                + ", and Kafka client settings under "
                                + String.join(", ", ConfigKeys.PASS_THROUGH_PREFIXES)
                                + ".");
            }
            effective.put(key, Secrets.resolve(key, entry.getValue().trim(), env));
        }
        return new JobConfig(effective);
    }

    /** Reads a YAML job file into dotted keys. Lists become comma-separated values. */
    public static Map<String, String> readJobFile(Path file) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        options.setMaxAliasesForCollections(10);
        Yaml yaml = new Yaml(new SafeConstructor(options));
        Object document;
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            document = yaml.load(reader);
        } catch (NoSuchFileException e) {
            throw new ConfigException(
                    "Job file '" + file + "' not found. Pass an existing file with --job.", e);
        } catch (IOException e) {
            throw new ConfigException(
                    "Cannot read job file '"
                            + file
                            + "': "
                            + e.getMessage()
                            + ". Pass a readable file with --job.",
                    e);
        } catch (YAMLException e) {
            throw new ConfigException(
                    "Job file '" + file + "' is not valid YAML: " + e.getMessage(), e);
        }
        Map<String, String> flat = new LinkedHashMap<>();
        if (document == null) {
            return flat;
        }
        if (!(document instanceof Map)) {
            throw new ConfigException(
                    "Job file '" + file + "' must hold a mapping of keys to values at the top.");
        }
        flatten("", (Map<?, ?>) document, flat, file);
        return flat;
    }

    private static void flatten(String prefix, Map<?, ?> map, Map<String, String> out, Path file) {
        for (Map.Entry<?, ?> entry : map.entrySet()) {
            String key = prefix + entry.getKey();
            Object value = entry.getValue();
            if (value instanceof Map) {
                flatten(key + ".", (Map<?, ?>) value, out, file);
            } else if (value instanceof List) {
                List<String> parts = new ArrayList<>();
                for (Object item : (List<?>) value) {
                    if (item instanceof Map || item instanceof List) {
                        throw new ConfigException(
                                "Invalid value for '"
                                        + key
                                        + "' in '"
                                        + file
                                        + "': a list may hold only plain values.");
                    }
                    parts.add(String.valueOf(item));
                }
                out.put(key, String.join(",", parts));
            } else {
                out.put(key, value == null ? "" : String.valueOf(value));
            }
        }
    }
}
