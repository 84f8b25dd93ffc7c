package dev.eventpipeline.testing;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@link KafkaBroker} per test JVM, started on first use and stopped by a shutdown hook, so
 * that a test suite pays the broker's start time once.
 *
 * <p>Tests that share the broker must use their own topic names and consumer groups. Tests that
 * stop, kill or reconfigure a broker start their own {@link KafkaBroker} instead.
 */
public final class SharedKafkaBroker {

    private static final Logger LOG = LoggerFactory.getLogger(SharedKafkaBroker.class);

    private static KafkaBroker broker;
    private static RuntimeException startFailure;

    private SharedKafkaBroker() {}

    /**
     * Returns the shared broker, starting it on the first call. A broker whose process has died is
     * restarted on the same ports.
     *
     * @throws IllegalStateException if the broker failed to start. After a failed first start,
     *     later calls fail at once with the same cause, so a suite does not wait for the start
     *     timeout once per test.
     */
    public static synchronized KafkaBroker get() {
        if (startFailure != null) {
            throw new IllegalStateException(
                    "The shared Kafka broker failed to start", startFailure);
        }
        if (broker == null) {
            try {
                broker = KafkaBroker.start();
            } catch (RuntimeException e) {
                startFailure = e;
                throw e;
            }
            Runtime.getRuntime()
                    .addShutdownHook(
                            new Thread(SharedKafkaBroker::stop, "shared-kafka-broker-stop"));
        } else if (!broker.isRunning()) {
            LOG.warn(
                    "Shared Kafka broker pid {} on {} is not running; restarting it",
                    broker.pid(),
                    broker.bootstrapServers());
            broker.restart();
        }
        return broker;
    }

    private static synchronized void stop() {
        if (broker != null) {
            broker.close();
        }
    }
}
