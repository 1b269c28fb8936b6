package dev.switchboard.testkit;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/** Collects what one class logs, so a test can assert that something was said once. */
public final class LogCapture implements AutoCloseable {
  private final Logger logger;
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
  private final Level previous;

  public LogCapture(Class<?> type) {
    logger = (Logger) LoggerFactory.getLogger(type);
    // Capture everything, whatever level the test logging config sets, and restore it afterwards.
    previous = logger.getLevel();
    logger.setLevel(Level.DEBUG);
    appender.start();
    logger.addAppender(appender);
  }

  /** The formatted messages logged at exactly {@code level}. */
  public List<String> lines(Level level) {
    List<ILoggingEvent> events;
    // Other threads append while the test reads: AppenderBase appends under the appender's own monitor.
    synchronized (appender) {
      events = new java.util.ArrayList<>(appender.list);
    }
    return events.stream().filter(e -> e.getLevel() == level).map(ILoggingEvent::getFormattedMessage).toList();
  }

  @Override
  public void close() {
    logger.detachAppender(appender);
    logger.setLevel(previous);
  }
}
