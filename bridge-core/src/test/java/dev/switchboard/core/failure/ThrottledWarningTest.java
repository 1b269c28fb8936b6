package dev.switchboard.core.failure;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class ThrottledWarningTest {
  @Test
  void oneWarningPerIntervalAndTheNextSaysHowManyWereHeldBack() {
    Logger logger = (Logger) LoggerFactory.getLogger("throttled-warning-test");
    logger.setLevel(Level.WARN);
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    lines.start();
    logger.addAppender(lines);
    AtomicLong now = new AtomicLong(1_000);
    ThrottledWarning warning = new ThrottledWarning(logger, Duration.ofSeconds(10), now::get);

    for (int i = 0; i < 1_000; i++) {
      warning.warn("bad thing {}", i);
    }
    now.addAndGet(Duration.ofSeconds(10).toNanos());
    warning.warn("bad thing {}", "later");

    assertThat(lines.list).extracting(ILoggingEvent::getFormattedMessage)
        .containsExactly("bad thing 0", "bad thing later (999 similar warnings held back before this one)");
  }
}
