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
    // AppenderBase.doAppend holds the appender's lock while it adds: copy under it, or a concurrent log line breaks
    // the stream with a ConcurrentModificationException.
    synchronized (appender) {
      events = List.copyOf(appender.list);
    }
    return events.stream().filter(e -> e.getLevel() == level).map(ILoggingEvent::getFormattedMessage)
        .toList();
  }

  @Override
  public void close() {
    logger.detachAppender(appender);
    logger.setLevel(previous);
  }
}
