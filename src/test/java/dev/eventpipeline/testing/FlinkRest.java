package dev.eventpipeline.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads job figures from the REST API of a Flink cluster (a MiniCluster or a standalone one) on
 * loopback: checkpoint statistics, vertex ids and operator metrics.
 */
public final class FlinkRest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    private final String baseUrl;

    /** Creates a reader for the REST endpoint at {@code baseUrl}, e.g. http://127.0.0.1:8081. */
    public FlinkRest(String baseUrl) {
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    }

    /** Sends GET {@code path} and returns the JSON body. */
    public JsonNode get(String path) {
        HttpRequest request =
                HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(TIMEOUT).GET().build();
        try {
            HttpResponse<String> response =
                    http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException(
                        "GET "
                                + path
                                + " returned "
                                + response.statusCode()
                                + ": "
                                + response.body());
            }
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException("GET " + baseUrl + path + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted during GET " + path, e);
        }
    }

    /** Returns the vertex ids of a job by vertex name, in topology order. */
    public Map<String, String> vertexIds(String jobId) {
        Map<String, String> ids = new LinkedHashMap<>();
        for (JsonNode vertex : get("/jobs/" + jobId).get("vertices")) {
            ids.put(vertex.get("name").asText(), vertex.get("id").asText());
        }
        return ids;
    }

    /**
     * Returns the id of the first vertex whose name contains {@code fragment}, waiting up to 60 s
     * for a job that is still being created to list its vertices.
     */
    public String vertexId(String jobId, String fragment) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            Map<String, String> vertices = vertexIds(jobId);
            for (Map.Entry<String, String> vertex : vertices.entrySet()) {
                if (vertex.getKey().contains(fragment)) {
                    return vertex.getValue();
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalArgumentException(
                        "No vertex of job "
                                + jobId
                                + " has a name containing '"
                                + fragment
                                + "'; vertices: "
                                + vertices.keySet());
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while waiting for job " + jobId, e);
            }
        }
    }

    /** Returns the checkpoint counts and the latest completed checkpoint of a job. */
    public JsonNode checkpoints(String jobId) {
        return get("/jobs/" + jobId + "/checkpoints");
    }

    /** Returns the number of completed checkpoints of a job. */
    public long completedCheckpoints(String jobId) {
        return checkpoints(jobId).get("counts").get("completed").asLong();
    }

    /** Returns the state size in bytes of one vertex in a completed checkpoint. */
    public long vertexStateSize(String jobId, long checkpointId, String vertexId) {
        JsonNode tasks =
                get("/jobs/" + jobId + "/checkpoints/details/" + checkpointId).get("tasks");
        JsonNode task = tasks.get(vertexId);
        return task == null ? 0 : task.get("state_size").asLong();
    }

    /** Returns the ids of the metrics of a vertex whose ids contain {@code fragment}. */
    public List<String> metricIds(String jobId, String vertexId, String fragment) {
        List<String> ids = new ArrayList<>();
        for (JsonNode metric :
                get("/jobs/" + jobId + "/vertices/" + vertexId + "/subtasks/metrics")) {
            String id = metric.get("id").asText();
            if (id.contains(fragment)) {
                ids.add(id);
            }
        }
        return ids;
    }

    /** Returns the sum over all subtasks of a vertex metric, or -1 if no subtask reports it. */
    public double metricSum(String jobId, String vertexId, String metricId) {
        JsonNode values =
                get(
                        "/jobs/"
                                + jobId
                                + "/vertices/"
                                + vertexId
                                + "/subtasks/metrics?get="
                                + metricId
                                + "&agg=sum");
        for (JsonNode value : values) {
            if (value.get("id").asText().equals(metricId) && value.has("sum")) {
                return value.get("sum").asDouble();
            }
        }
        return -1;
    }
}
