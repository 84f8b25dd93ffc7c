package dev.eventpipeline.testing;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A real single-node Apache Kafka broker (KRaft combined mode) running as a child process.
 *
 * <p>The broker runs in its own JVM because its classpath (kafka_2.13 4.x, Scala, kafka-clients
 * 4.x) must not mix with the job's test classpath, which has the kafka-clients version that
 * flink-connector-kafka was built against. The broker's classpath is read from a file that {@code
 * broker/pom.xml} writes; see {@link #CLASSPATH_PROPERTY}. This class itself needs only the JDK,
 * kafka-clients and SLF4J, and no test framework.
 *
 * <p>All listeners bind to 127.0.0.1. Apart from the settings that a single node needs (replication
 * factor 1 for internal topics, no initial rebalance delay), the broker runs with Kafka's stock
 * configuration. In particular {@code transaction.max.timeout.ms} keeps its stock value of 900000
 * ms unless the caller overrides it.
 *
 * <p>After {@link #stop()} or {@link #kill()}, {@link #restart()} starts the broker again on the
 * same ports with the same data, for broker outage tests.
 */
public final class KafkaBroker implements AutoCloseable {

    /** System property that names the file with the broker's classpath. */
    public static final String CLASSPATH_PROPERTY = "kafka.broker.classpath";

    /**
     * Classpath file used when {@link #CLASSPATH_PROPERTY} is not set, relative to the working
     * directory.
     */
    public static final String DEFAULT_CLASSPATH_FILE = "target/kafka-broker.classpath";

    /** Name of the listener that {@link #bootstrapServers()} returns. */
    public static final String CLIENT_LISTENER = "PLAINTEXT";

    private static final String CONTROLLER_LISTENER = "CONTROLLER";
    private static final int NODE_ID = 1;
    private static final String LOOPBACK_HOST = "127.0.0.1";
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration KILL_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration FORMAT_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration READINESS_PROBE_TIMEOUT = Duration.ofSeconds(2);
    private static final long READINESS_POLL_INTERVAL_MILLIS = 100;
    private static final int LOG_TAIL_LINES = 50;
    private static final int LOG_TAIL_MAX_BYTES = 256 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(KafkaBroker.class);

    private final String classpath;
    private final Path workDir;
    private final boolean deleteWorkDirOnClose;
    private final Path serverProperties;
    private final Path log4jProperties;
    private final Path logFile;
    private final int controllerPort;
    private final Map<String, Integer> listenerPorts;
    private final List<String> logDirs;
    private final Duration startTimeout;

    private Process process;
    private boolean closed;

    private KafkaBroker(Builder builder, String classpath, Path workDir, boolean createdWorkDir)
            throws IOException {
        this.classpath = classpath;
        this.workDir = workDir;
        this.deleteWorkDirOnClose = createdWorkDir;
        this.serverProperties = workDir.resolve("server.properties");
        this.log4jProperties = workDir.resolve("log4j2.properties");
        this.logFile = workDir.resolve("broker.log");
        this.startTimeout = builder.startTimeout;

        this.listenerPorts = new LinkedHashMap<>();
        listenerPorts.put(CLIENT_LISTENER, portOrFree(builder.port));
        for (String listener : builder.extraListeners.keySet()) {
            listenerPorts.put(listener, freePort());
        }
        this.controllerPort = portOrFree(builder.controllerPort);

        Map<String, String> config = serverConfig(builder);
        this.logDirs = List.of(config.get("log.dirs").split(","));
        writeProperties(serverProperties, config);
        writeProperties(log4jProperties, log4jConfig());
    }

    /** Returns a builder for a broker on free loopback ports in a new temporary directory. */
    public static Builder builder() {
        return new Builder();
    }

    /** Starts a broker with the default settings; see {@link #builder()}. */
    public static KafkaBroker start() {
        return builder().start();
    }

    /** Returns {@code 127.0.0.1:PORT} of the plaintext client listener. */
    public String bootstrapServers() {
        return bootstrapServers(CLIENT_LISTENER);
    }

    /** Returns {@code 127.0.0.1:PORT} of a listener added with {@link Builder#listener}. */
    public String bootstrapServers(String listenerName) {
        Integer port = listenerPorts.get(listenerName);
        if (port == null) {
            throw new IllegalArgumentException(
                    "Unknown listener "
                            + listenerName
                            + "; the broker has listeners "
                            + listenerPorts.keySet());
        }
        return LOOPBACK_HOST + ":" + port;
    }

    /** Returns the port of the plaintext client listener. */
    public int port() {
        return listenerPorts.get(CLIENT_LISTENER);
    }

    /** Returns the port of the KRaft controller listener. */
    public int controllerPort() {
        return controllerPort;
    }

    /** Returns the directory that contains server.properties, the broker log and the data. */
    public Path workDir() {
        return workDir;
    }

    /** Returns the file that receives the broker's stdout and stderr across all restarts. */
    public Path logFile() {
        return logFile;
    }

    /** Returns the process id of the running broker, or of the last one if it is stopped. */
    public synchronized long pid() {
        if (process == null) {
            throw new IllegalStateException("The Kafka broker has not been started");
        }
        return process.pid();
    }

    /** Returns whether the broker process is alive, which does not imply that it serves yet. */
    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** Creates a topic with replication factor 1 and the broker's default topic configs. */
    public void createTopic(String name, int partitions) {
        createTopic(name, partitions, Map.of());
    }

    /**
     * Creates a topic with replication factor 1.
     *
     * @param configs topic-level configs such as {@code cleanup.policy}, overriding the broker's
     *     defaults for this topic
     * @throws org.apache.kafka.common.errors.TopicExistsException if the topic exists
     */
    public void createTopic(String name, int partitions, Map<String, String> configs) {
        NewTopic topic = new NewTopic(name, partitions, (short) 1).configs(configs);
        try (Admin admin = Admin.create(adminConfig("kafka-broker-admin"))) {
            admin.createTopics(List.of(topic))
                    .all()
                    .get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException) {
                throw (RuntimeException) e.getCause();
            }
            throw new IllegalStateException("Failed to create topic " + name, e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException(
                    "Timed out after " + ADMIN_TIMEOUT + " creating topic " + name, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while creating topic " + name, e);
        }
        LOG.info("Created topic {} with {} partitions on {}", name, partitions, bootstrapServers());
    }

    /**
     * Stops the broker gracefully: SIGTERM, which runs Kafka's controlled shutdown, then SIGKILL if
     * the process is still alive after 30 seconds. Does nothing if the broker is not running.
     */
    public synchronized void stop() {
        if (!isRunning()) {
            return;
        }
        long pid = process.pid();
        LOG.info("Stopping Kafka broker pid {} on {}", pid, bootstrapServers());
        process.destroy();
        if (waitForExit(STOP_TIMEOUT)) {
            LOG.info("Stopped Kafka broker pid {} with exit code {}", pid, process.exitValue());
            return;
        }
        LOG.warn(
                "Kafka broker pid {} did not stop within {}; killing it, see {}",
                pid,
                STOP_TIMEOUT,
                logFile);
        kill();
    }

    /**
     * Kills the broker with SIGKILL, so it gets no chance to shut down cleanly, as in a crash. Does
     * nothing if the broker is not running.
     *
     * <p>A {@link #restart()} after a kill takes about {@code broker.session.timeout.ms} (stock
     * 9000 ms) longer than after {@link #stop()}, because the restarted controller rejects the
     * broker's registration until the session of the killed incarnation expires.
     */
    public synchronized void kill() {
        if (!isRunning()) {
            return;
        }
        long pid = process.pid();
        LOG.info("Killing Kafka broker pid {} on {}", pid, bootstrapServers());
        process.destroyForcibly();
        if (!waitForExit(KILL_TIMEOUT)) {
            throw new IllegalStateException(
                    "Kafka broker pid "
                            + pid
                            + " is still alive "
                            + KILL_TIMEOUT
                            + " after SIGKILL");
        }
        LOG.info("Killed Kafka broker pid {}", pid);
    }

    /**
     * Starts the broker again on the same ports with the same data, and waits until it serves.
     * Stops it gracefully first if it is still running.
     *
     * @throws IllegalStateException if the broker does not serve within the start timeout or exits
     *     before that. The message contains the end of the broker log.
     */
    public synchronized void restart() {
        if (closed) {
            throw new IllegalStateException("The Kafka broker in " + workDir + " is closed");
        }
        stop();
        LOG.info("Restarting Kafka broker on {}", bootstrapServers());
        startProcess();
    }

    /** Stops the broker and deletes its work directory if this class created it. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            stop();
        } catch (RuntimeException e) {
            LOG.error("Failed to stop Kafka broker in {}", workDir, e);
        }
        if (deleteWorkDirOnClose) {
            deleteRecursively(workDir);
        }
    }

    /** Stops the broker after a failed start but keeps the work directory with the full log. */
    private synchronized void abandon() {
        closed = true;
        try {
            kill();
        } catch (RuntimeException e) {
            LOG.error("Failed to kill Kafka broker in {}", workDir, e);
        }
        LOG.info("Kept the work directory {} of the Kafka broker that failed to start", workDir);
    }

    /**
     * Formats the log directories unless a work directory passed in by the caller already contains
     * a formatted one, whose data and cluster id are then kept. The storage tool's own {@code
     * --ignore-formatted} does not help there because it still rejects a different cluster id.
     */
    private void formatStorage(List<String> extraArguments) {
        Path metaProperties = Paths.get(logDirs.get(0), "meta.properties");
        if (Files.exists(metaProperties)) {
            LOG.info("Kafka storage in {} is already formatted; keeping its data", workDir);
            return;
        }
        String clusterId = Uuid.randomUuid().toString();
        List<String> command = new ArrayList<>(javaCommand());
        command.addAll(
                List.of(
                        "kafka.tools.StorageTool",
                        "format",
                        "--cluster-id",
                        clusterId,
                        "--config",
                        serverProperties.toString()));
        command.addAll(extraArguments);

        Process format = launch(command);
        try {
            if (!format.waitFor(FORMAT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                format.destroyForcibly();
                throw new IllegalStateException(
                        failureMessage(
                                "Formatting Kafka storage timed out after " + FORMAT_TIMEOUT));
            }
        } catch (InterruptedException e) {
            format.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while formatting Kafka storage", e);
        }
        if (format.exitValue() != 0) {
            throw new IllegalStateException(
                    failureMessage(
                            "Formatting Kafka storage failed with exit code "
                                    + format.exitValue()));
        }
        LOG.info("Formatted Kafka storage in {} with cluster id {}", workDir, clusterId);
    }

    private void startProcess() {
        List<String> command = new ArrayList<>(javaCommand());
        command.add("kafka.Kafka");
        command.add(serverProperties.toString());

        long startNanos = System.nanoTime();
        process = launch(command);
        LOG.info(
                "Started Kafka broker pid {} on {} (controller port {}), log {}",
                process.pid(),
                bootstrapServers(),
                controllerPort,
                logFile);
        try {
            awaitServing(startNanos + startTimeout.toNanos());
        } catch (RuntimeException e) {
            LOG.error(
                    "Kafka broker pid {} failed to start: {}",
                    process.pid(),
                    e.getMessage().lines().findFirst().orElse(""));
            process.destroyForcibly();
            waitForExit(KILL_TIMEOUT);
            throw e;
        }
        LOG.info(
                "Kafka broker pid {} serves on {} after {} ms",
                process.pid(),
                bootstrapServers(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));
    }

    /**
     * Waits until the client listener accepts connections and the broker returns cluster metadata.
     * The TCP probe comes first because an Admin client logs a warning for every refused connection
     * while the broker is still starting.
     */
    private void awaitServing(long deadlineNanos) {
        while (!acceptsConnections()) {
            pauseUnlessExited(deadlineNanos);
        }
        try (Admin admin = Admin.create(adminConfig("kafka-broker-readiness"))) {
            while (true) {
                long probeMillis =
                        Math.min(
                                READINESS_PROBE_TIMEOUT.toMillis(),
                                Math.max(1, remainingMillis(deadlineNanos)));
                try {
                    Collection<Node> nodes =
                            admin.describeCluster(
                                            new DescribeClusterOptions()
                                                    .timeoutMs((int) probeMillis))
                                    .nodes()
                                    .get();
                    if (!nodes.isEmpty()) {
                        return;
                    }
                } catch (ExecutionException e) {
                    LOG.debug("Kafka broker on {} does not serve yet", bootstrapServers(), e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("Interrupted while starting Kafka broker", e);
                }
                pauseUnlessExited(deadlineNanos);
            }
        }
    }

    private boolean acceptsConnections() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(LOOPBACK_HOST, port()), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Waits for one poll interval, returning early when the process exits, and throws if the
     * process has exited or the deadline has passed.
     */
    private void pauseUnlessExited(long deadlineNanos) {
        try {
            process.onExit().get(READINESS_POLL_INTERVAL_MILLIS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            // Still running: poll again unless the deadline has passed.
        } catch (ExecutionException e) {
            throw new IllegalStateException("Failed to watch Kafka broker process", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while starting Kafka broker", e);
        }
        if (!process.isAlive()) {
            throw new IllegalStateException(
                    failureMessage(
                            "Kafka broker pid "
                                    + process.pid()
                                    + " exited with code "
                                    + process.exitValue()
                                    + " before serving on "
                                    + bootstrapServers()));
        }
        if (remainingMillis(deadlineNanos) <= 0) {
            throw new IllegalStateException(
                    failureMessage(
                            "Kafka broker pid "
                                    + process.pid()
                                    + " did not serve on "
                                    + bootstrapServers()
                                    + " within "
                                    + startTimeout));
        }
    }

    private static long remainingMillis(long deadlineNanos) {
        return TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
    }

    private Properties adminConfig(String clientId) {
        Properties config = new Properties();
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        config.put(AdminClientConfig.CLIENT_ID_CONFIG, clientId);
        config.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "200");
        return config;
    }

    private List<String> javaCommand() {
        Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
        return List.of(
                java.toString(),
                "-Xmx512m",
                "-Dlog4j2.configurationFile=" + log4jProperties.toUri(),
                "-cp",
                classpath);
    }

    private Process launch(List<String> command) {
        ProcessBuilder builder =
                new ProcessBuilder(command)
                        .directory(workDir.toFile())
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        try {
            return builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("Failed to run " + command.get(0), e);
        }
    }

    private boolean waitForExit(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        }
    }

    private Map<String, String> serverConfig(Builder builder) {
        String listeners =
                listenerPorts.entrySet().stream()
                        .map(e -> e.getKey() + "://" + LOOPBACK_HOST + ":" + e.getValue())
                        .collect(Collectors.joining(","));
        String protocolMap =
                listenerPorts.keySet().stream()
                        .map(name -> name + ":" + protocolOf(builder, name))
                        .collect(Collectors.joining(","));

        Map<String, String> config = new LinkedHashMap<>();
        config.put("process.roles", "broker,controller");
        config.put("node.id", String.valueOf(NODE_ID));
        // Static voters rather than a dynamic quorum, so that the voter set comes from this file
        // on every start, even for a work directory formatted with other ports.
        config.put(
                "controller.quorum.voters", NODE_ID + "@" + LOOPBACK_HOST + ":" + controllerPort);
        config.put("controller.listener.names", CONTROLLER_LISTENER);
        config.put(
                "listeners",
                listeners
                        + ","
                        + CONTROLLER_LISTENER
                        + "://"
                        + LOOPBACK_HOST
                        + ":"
                        + controllerPort);
        config.put("advertised.listeners", listeners);
        config.put("inter.broker.listener.name", CLIENT_LISTENER);
        config.put(
                "listener.security.protocol.map",
                protocolMap + "," + CONTROLLER_LISTENER + ":" + SecurityProtocol.PLAINTEXT.name);
        config.put("log.dirs", workDir.resolve("data").toString());
        // A single node cannot meet the stock replication factor of 3 for internal topics.
        config.put("offsets.topic.replication.factor", "1");
        config.put("transaction.state.log.replication.factor", "1");
        config.put("transaction.state.log.min.isr", "1");
        config.put("share.coordinator.state.topic.replication.factor", "1");
        config.put("share.coordinator.state.topic.min.isr", "1");
        // The stock 3 s delay only helps when many consumers join a new group at once.
        config.put("group.initial.rebalance.delay.ms", "0");
        config.putAll(builder.properties);
        return config;
    }

    private static String protocolOf(Builder builder, String listener) {
        if (listener.equals(CLIENT_LISTENER)) {
            return SecurityProtocol.PLAINTEXT.name;
        }
        return builder.extraListeners.get(listener).name;
    }

    private static Map<String, String> log4jConfig() {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("appender.stdout.type", "Console");
        config.put("appender.stdout.name", "STDOUT");
        config.put("appender.stdout.layout.type", "PatternLayout");
        config.put("appender.stdout.layout.pattern", "[%d] %p %m (%c)%n");
        config.put("rootLogger.level", "INFO");
        config.put("rootLogger.appenderRef.stdout.ref", "STDOUT");
        return config;
    }

    /**
     * Writes a properties file in the given order, which {@link Properties#store} does not keep, so
     * that a person reading server.properties finds the settings grouped.
     */
    private static void writeProperties(Path file, Map<String, String> properties)
            throws IOException {
        StringBuilder text = new StringBuilder();
        for (Map.Entry<String, String> entry : properties.entrySet()) {
            text.append(escapeProperty(entry.getKey(), true))
                    .append('=')
                    .append(escapeProperty(entry.getValue(), false))
                    .append('\n');
        }
        // Kafka reads the file with Properties.load(InputStream), which decodes ISO-8859-1, so
        // escapeProperty writes every other character as a Unicode escape.
        Files.writeString(file, text, StandardCharsets.ISO_8859_1);
    }

    private static String escapeProperty(String text, boolean isKey) {
        StringBuilder escaped = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\') {
                escaped.append("\\\\");
            } else if (c == '\n') {
                escaped.append("\\n");
            } else if (c == '\r') {
                escaped.append("\\r");
            } else if (c == '\t') {
                escaped.append("\\t");
            } else if ((isKey || i == 0) && (c == ' ' || c == '=' || c == ':')) {
                escaped.append('\\').append(c);
            } else if (i == 0 && (c == '#' || c == '!')) {
                escaped.append('\\').append(c);
            } else if (c < 0x20 || c > 0x7e) {
                escaped.append(String.format("\\u%04x", (int) c));
            } else {
                escaped.append(c);
            }
        }
        return escaped.toString();
    }

    private String failureMessage(String summary) {
        return summary + ". Last " + LOG_TAIL_LINES + " lines of " + logFile + ":\n" + logTail();
    }

    private String logTail() {
        try (RandomAccessFile file = new RandomAccessFile(logFile.toFile(), "r")) {
            long length = file.length();
            int size = (int) Math.min(length, LOG_TAIL_MAX_BYTES);
            byte[] bytes = new byte[size];
            file.seek(length - size);
            file.readFully(bytes);
            List<String> lines = new String(bytes, StandardCharsets.UTF_8).lines().toList();
            return String.join(
                    "\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
        } catch (IOException e) {
            LOG.error("Failed to read Kafka broker log {}", logFile, e);
            return "(log not readable: " + e + ")";
        }
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            LOG.error("Failed to delete Kafka broker work directory {}", dir, e);
        }
    }

    private static int portOrFree(int port) {
        return port > 0 ? port : freePort();
    }

    /**
     * Returns a loopback port that was free a moment ago.
     *
     * <p>NOTE: another process may take the port between this check and the broker's bind, in which
     * case the broker exits and the start fails with its bind error in the message.
     */
    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK_HOST))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("Failed to find a free port on " + LOOPBACK_HOST, e);
        }
    }

    private static String readClasspath(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException(
                    "Kafka broker classpath file "
                            + file.toAbsolutePath()
                            + " is missing. Create it from the repository root with: mvn -B -q -f"
                            + " broker/pom.xml dependency:build-classpath -Dmdep.outputFile="
                            + file.toAbsolutePath()
                            + " (or set the system property "
                            + CLASSPATH_PROPERTY
                            + " to an existing file)");
        }
        String classpath;
        try {
            classpath = Files.readString(file).strip();
        } catch (IOException e) {
            throw new UncheckedIOException("Failed to read Kafka broker classpath " + file, e);
        }
        if (classpath.isEmpty()) {
            throw new IllegalStateException("Kafka broker classpath file " + file + " is empty");
        }
        return classpath;
    }

    /** Settings for a {@link KafkaBroker}; every setting is optional. */
    public static final class Builder {
        private Path classpathFile;
        private Path workDir;
        private int port;
        private int controllerPort;
        private Duration startTimeout = Duration.ofSeconds(60);
        private final Map<String, String> properties = new LinkedHashMap<>();
        private final Map<String, SecurityProtocol> extraListeners = new LinkedHashMap<>();
        private final List<String> formatArguments = new ArrayList<>();

        private Builder() {}

        /**
         * Sets the file with the broker's classpath. Defaults to the system property {@value
         * KafkaBroker#CLASSPATH_PROPERTY}, else {@value KafkaBroker#DEFAULT_CLASSPATH_FILE}.
         */
        public Builder classpathFile(Path file) {
            this.classpathFile = file;
            return this;
        }

        /**
         * Sets the directory for server.properties, the log and the data. The directory is kept on
         * {@link KafkaBroker#close()}. Defaults to a new temporary directory that close deletes.
         */
        public Builder workDir(Path dir) {
            this.workDir = dir.toAbsolutePath();
            return this;
        }

        /** Sets the port of the plaintext client listener; 0, the default, picks a free port. */
        public Builder port(int port) {
            this.port = checkPort(port);
            return this;
        }

        /** Sets the port of the KRaft controller listener; 0, the default, picks a free port. */
        public Builder controllerPort(int port) {
            this.controllerPort = checkPort(port);
            return this;
        }

        /** Sets how long a start or restart may take until the broker serves. */
        public Builder startTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("Start timeout must be positive: " + timeout);
            }
            this.startTimeout = timeout;
            return this;
        }

        /**
         * Sets a broker config in server.properties. It overrides the value this class would write,
         * so callers can change any setting, including {@code listeners}.
         */
        public Builder property(String key, String value) {
            properties.put(key, value);
            return this;
        }

        /** Sets several broker configs; see {@link #property}. */
        public Builder properties(Map<String, String> configs) {
            properties.putAll(configs);
            return this;
        }

        /**
         * Adds a client listener on a free loopback port, for example {@code
         * listener("SASL_PLAINTEXT", SecurityProtocol.SASL_PLAINTEXT)}; {@link
         * KafkaBroker#bootstrapServers(String)} returns its address. The mechanism and JAAS
         * settings of a SASL listener go in through {@link #property}.
         */
        public Builder listener(String name, SecurityProtocol protocol) {
            if (name.equals(CLIENT_LISTENER) || name.equals(CONTROLLER_LISTENER)) {
                throw new IllegalArgumentException("Listener name " + name + " is reserved");
            }
            extraListeners.put(name, protocol);
            return this;
        }

        /**
         * Adds arguments to the storage format command, for example {@code "--add-scram",
         * "SCRAM-SHA-256=[name=alice,password=alice-secret]"} to create SCRAM credentials before
         * the first start.
         */
        public Builder formatArguments(String... arguments) {
            formatArguments.addAll(List.of(arguments));
            return this;
        }

        /**
         * Formats the storage, starts the broker and waits until it serves.
         *
         * @throws IllegalStateException if the classpath file is missing, or if the broker does not
         *     serve within the start timeout or exits before that. The message then contains the
         *     end of the broker log.
         */
        public KafkaBroker start() {
            String classpath = readClasspath(resolveClasspathFile());
            boolean createdWorkDir = workDir == null;
            Path dir;
            KafkaBroker broker;
            try {
                dir = createdWorkDir ? Files.createTempDirectory("kafka-broker-") : workDir;
                Files.createDirectories(dir);
                broker = new KafkaBroker(this, classpath, dir, createdWorkDir);
            } catch (IOException e) {
                throw new UncheckedIOException("Failed to prepare Kafka broker work directory", e);
            }
            try {
                broker.formatStorage(formatArguments);
                broker.startProcess();
            } catch (RuntimeException e) {
                broker.abandon();
                throw e;
            }
            return broker;
        }

        private Path resolveClasspathFile() {
            if (classpathFile != null) {
                return classpathFile;
            }
            return Paths.get(System.getProperty(CLASSPATH_PROPERTY, DEFAULT_CLASSPATH_FILE));
        }

        private static int checkPort(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("Invalid port " + port);
            }
            return port;
        }
    }
}
