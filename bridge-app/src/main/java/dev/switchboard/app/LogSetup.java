package dev.switchboard.app;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import dev.switchboard.core.config.BridgeConfig;
import java.util.Map;
import org.slf4j.LoggerFactory;

/**
 * Applies the config's {@code logging} section to Logback at start: human-readable lines or JSON lines on stdout,
 * the root level, and levels per connector or logger. Only the console appender is replaced; other appenders (a
 * test's capture, an admin's own file appender from {@code -Dlogback.configurationFile}) are left alone.
 */
final class LogSetup {
  static final String APPENDER = "STDOUT";
  /**
   * Line breaks and other control characters in a message (a nick, a URL, an error text from a remote server) are
   * shown as U+2424 (the newline symbol), so remote input can never start a forged log line, whatever the logging
   * code forgot to escape; a stack trace still prints on its own lines after the message.
   */
  static final String PATTERN =
      "%d{HH:mm:ss.SSS} %-5level [%thread] %logger{24} - %replace(%msg){'[\\p{Cntrl}&&[^\\t]]', '\u2424'}%n";
  /** Shorthands for the config's {@code levels}: a connector's or core's whole package. */
  private static final Map<String, String> SHORTHANDS = Map.of(
      "core", "dev.switchboard.core",
      "irc", "dev.switchboard.irc",
      "xmpp", "dev.switchboard.xmpp",
      "sip", "dev.switchboard.sip",
      "registration", "dev.switchboard.registration");

  private LogSetup() {}

  /**
   * @param json JSON lines; the config's {@code logging.format} or the {@code --log-format} flag
   */
  static void apply(BridgeConfig.Logging logging, boolean json) {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return;
    }
    Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
    console.setContext(context);
    console.setName(APPENDER);
    console.setEncoder(encoder(context, json));
    console.start();
    var old = root.getAppender(APPENDER);
    root.detachAppender(APPENDER);
    if (old != null) {
      old.stop();
    }
    root.addAppender(console);
    root.setLevel(Level.toLevel(logging.level(), Level.INFO));
    logging.levels().forEach((name, level) ->
        context.getLogger(SHORTHANDS.getOrDefault(name, name)).setLevel(Level.toLevel(level, Level.INFO)));
  }

  private static Encoder<ILoggingEvent> encoder(LoggerContext context, boolean json) {
    if (json) {
      JsonEncoder encoder = new JsonEncoder();
      encoder.setContext(context);
      // One object per line with the formatted message; the raw template and its arguments would only repeat it.
      encoder.setWithMessage(false);
      encoder.setWithArguments(false);
      encoder.setWithFormattedMessage(true);
      encoder.setWithContext(false);
      encoder.setWithSequenceNumber(false);
      encoder.setWithNanoseconds(false);
      encoder.start();
      return encoder;
    }
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern(PATTERN);
    encoder.start();
    return encoder;
  }
}
