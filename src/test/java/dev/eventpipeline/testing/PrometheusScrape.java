package dev.eventpipeline.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * The samples of one or more scrapes of Prometheus {@code /metrics} endpoints, parsed from the text
 * exposition format (version 0.0.4) that Flink's Prometheus reporter serves.
 */
public final class PrometheusScrape {

    private static final Duration HTTP_TIMEOUT = Duration.ofSeconds(10);
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(HTTP_TIMEOUT).build();

    /** One sample line: metric name, labels and value. */
    public static final class Sample {
        public final String name;
        public final Map<String, String> labels;
        public final double value;
        public final String line;

        Sample(String name, Map<String, String> labels, double value, String line) {
            this.name = name;
            this.labels = Collections.unmodifiableMap(labels);
            this.value = value;
            this.line = line;
        }

        public String label(String key) {
            return labels.get(key);
        }
    }

    private final List<Sample> samples;

    private PrometheusScrape(List<Sample> samples) {
        this.samples = Collections.unmodifiableList(samples);
    }

    /** Scrapes {@code http://127.0.0.1:PORT/metrics} of every port and merges the samples. */
    public static PrometheusScrape scrape(List<Integer> ports) {
        List<Sample> samples = new ArrayList<>();
        for (int port : ports) {
            samples.addAll(parse(fetch("http://127.0.0.1:" + port + "/metrics")).samples);
        }
        return new PrometheusScrape(samples);
    }

    /** Returns the body of a GET request, failing unless the status is 200. */
    public static String fetch(String url) {
        HttpRequest request =
                HttpRequest.newBuilder(URI.create(url)).timeout(HTTP_TIMEOUT).GET().build();
        try {
            HttpResponse<String> response =
                    HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException(
                        "GET " + url + " returned status " + response.statusCode());
            }
            return response.body();
        } catch (IOException e) {
            throw new UncheckedIOException("GET " + url + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted during GET " + url, e);
        }
    }

    /** Parses the text format; comment lines ({@code # HELP}, {@code # TYPE}) are skipped. */
    public static PrometheusScrape parse(String text) {
        List<Sample> samples = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            samples.add(parseLine(line));
        }
        return new PrometheusScrape(samples);
    }

    private static Sample parseLine(String line) {
        int nameEnd = 0;
        while (nameEnd < line.length()
                && line.charAt(nameEnd) != '{'
                && line.charAt(nameEnd) != ' ') {
            nameEnd++;
        }
        String name = line.substring(0, nameEnd);
        Map<String, String> labels = new LinkedHashMap<>();
        int position = nameEnd;
        if (position < line.length() && line.charAt(position) == '{') {
            position++;
            while (line.charAt(position) != '}') {
                int equals = line.indexOf('=', position);
                String key = line.substring(position, equals);
                position = equals + 2; // skip ="
                StringBuilder value = new StringBuilder();
                while (line.charAt(position) != '"') {
                    char c = line.charAt(position);
                    if (c == '\\') {
                        char escaped = line.charAt(++position);
                        value.append(escaped == 'n' ? '\n' : escaped);
                    } else {
                        value.append(c);
                    }
                    position++;
                }
                labels.put(key, value.toString());
                position++; // closing quote
                if (line.charAt(position) == ',') {
                    position++;
                }
            }
            position++;
        }
        String[] rest = line.substring(position).trim().split("\\s+");
        return new Sample(name, labels, parseValue(rest[0], line), line);
    }

    private static double parseValue(String text, String line) {
        switch (text) {
            case "NaN":
                return Double.NaN;
            case "+Inf":
                return Double.POSITIVE_INFINITY;
            case "-Inf":
                return Double.NEGATIVE_INFINITY;
            default:
                try {
                    return Double.parseDouble(text);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("Invalid sample value in: " + line, e);
                }
        }
    }

    public List<Sample> samples() {
        return samples;
    }

    /** Returns the distinct metric names of all samples. */
    public Set<String> names() {
        Set<String> names = new TreeSet<>();
        samples.forEach(sample -> names.add(sample.name));
        return names;
    }

    /** Returns the samples named {@code name} that {@code filter} accepts. */
    public List<Sample> samples(String name, Predicate<Sample> filter) {
        List<Sample> matching = new ArrayList<>();
        for (Sample sample : samples) {
            if (sample.name.equals(name) && filter.test(sample)) {
                matching.add(sample);
            }
        }
        return matching;
    }

    /** Returns the sum of the samples named {@code name} that {@code filter} accepts. */
    public double sum(String name, Predicate<Sample> filter) {
        double total = 0;
        for (Sample sample : samples(name, filter)) {
            total += sample.value;
        }
        return total;
    }
}
