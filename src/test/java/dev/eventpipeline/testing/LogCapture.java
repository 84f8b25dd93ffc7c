package dev.eventpipeline.testing;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * Records every log event of the test JVM at {@code level} and above while open, with the logger
 * name, the message and the stack trace of an attached exception, so a test can check what an
 * operator would read in the logs. While open, every logger is lowered to {@code level}, and the
 * appenders that were attached before keep the threshold of their logger's old level, so the
 * console shows what it showed before.
 */
public final class LogCapture implements AutoCloseable {

    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final LoggerContext context;
    private final Map<LoggerConfig, Level> previousLevels = new HashMap<>();
    private final AbstractAppender appender;

    private LogCapture(Level level) {
        this.context = (LoggerContext) LogManager.getContext(false);
        this.appender =
                new AbstractAppender(
                        "capture-" + System.nanoTime(), null, null, true, Property.EMPTY_ARRAY) {
                    @Override
                    public void append(LogEvent event) {
                        lines.add(render(event));
                    }
                };
        appender.start();
        Configuration configuration = context.getConfiguration();
        List<LoggerConfig> loggers = new ArrayList<>(configuration.getLoggers().values());
        if (!loggers.contains(configuration.getRootLogger())) {
            loggers.add(configuration.getRootLogger());
        }
        for (LoggerConfig logger : loggers) {
            Level previous = logger.getLevel();
            previousLevels.put(logger, previous);
            for (Appender existing : new ArrayList<>(logger.getAppenders().values())) {
                logger.removeAppender(existing.getName());
                logger.addAppender(existing, previous, null);
            }
            // Events reach the root's appenders through additivity, so attaching to the root
            // and to non-additive loggers records each event once.
            if (logger == configuration.getRootLogger() || !logger.isAdditive()) {
                logger.addAppender(appender, level, null);
            }
            if (!previous.isLessSpecificThan(level)) {
                logger.setLevel(level);
            }
        }
        context.updateLoggers();
    }

    /** Starts recording events at {@code level} and above. */
    public static LogCapture start(Level level) {
        return new LogCapture(level);
    }

    /** Returns the recorded lines so far. */
    public List<String> lines() {
        return new ArrayList<>(lines);
    }

    /** Returns the recorded lines that match {@code condition}. */
    public List<String> linesMatching(Predicate<String> condition) {
        List<String> matching = new ArrayList<>();
        for (String line : lines) {
            if (condition.test(line)) {
                matching.add(line);
            }
        }
        return matching;
    }

    @Override
    public void close() {
        for (Map.Entry<LoggerConfig, Level> entry : previousLevels.entrySet()) {
            LoggerConfig logger = entry.getKey();
            logger.removeAppender(appender.getName());
            for (Appender existing : new ArrayList<>(logger.getAppenders().values())) {
                logger.removeAppender(existing.getName());
                logger.addAppender(existing, null, null);
            }
            logger.setLevel(entry.getValue());
        }
        context.updateLoggers();
        appender.stop();
    }

    private static String render(LogEvent event) {
        StringBuilder line =
                new StringBuilder()
                        .append(event.getLevel())
                        .append(' ')
                        .append(event.getLoggerName())
                        .append(" - ")
                        .append(event.getMessage().getFormattedMessage());
        Throwable thrown = event.getThrown();
        if (thrown != null) {
            StringWriter trace = new StringWriter();
            thrown.printStackTrace(new PrintWriter(trace));
            line.append('\n').append(trace);
        }
        return line.toString();
    }
}
