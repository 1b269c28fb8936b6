package dev.switchboard.core.connector;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import java.util.regex.Pattern;

/**
 * One connector's meters, named {@code switchboard.<protocol>.<what>} (Prometheus: {@code
 * switchboard_<protocol>_<what>}) and tagged {@code protocol=<protocol>}. The shapes every connector shares have
 * their own methods (messages each way, reconnects, connections by state); anything else goes through {@link
 * #counter} and {@link #gauge}. Tag values must be small closed sets (states, kinds, outcomes): never user, room or
 * channel ids.
 */
public final class ConnectorMeters {
  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9]*(\\.[a-z][a-z0-9]*)*");

  /** Which way a message went. */
  public enum Direction {
    /** From the remote network into Matrix. */
    TO_MATRIX,
    /** From Matrix to the remote network. */
    TO_REMOTE;

    String tag() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final MeterRegistry registry;
  private final String protocol;
  private final Counter toMatrix;
  private final Counter toRemote;

  public ConnectorMeters(MeterRegistry registry, String protocol) {
    this.registry = Objects.requireNonNull(registry, "registry");
    if (protocol == null || !NAME.matcher(protocol).matches() || protocol.contains(".")) {
      throw new IllegalArgumentException("a protocol id is lower-case letters and digits: " + protocol);
    }
    this.protocol = protocol;
    this.toMatrix = counter("messages", "Messages bridged, by direction", "direction", Direction.TO_MATRIX.tag());
    this.toRemote = counter("messages", "Messages bridged, by direction", "direction", Direction.TO_REMOTE.tag());
  }

  public String protocol() {
    return protocol;
  }

  /** {@code switchboard.<protocol>.messages{direction}}: one message bridged. */
  public void message(Direction direction) {
    (direction == Direction.TO_MATRIX ? toMatrix : toRemote).increment();
  }

  /**
   * {@code switchboard.<protocol>.reconnects{connection}}: a connection was lost (or could not be made) and a new
   * attempt is scheduled. {@code connection} names the kind, e.g. {@code bot}, {@code puppet}, {@code component}.
   */
  public void reconnect(String connection) {
    counter("reconnects", "Connections lost or failed and tried again", "connection", connection).increment();
  }

  /**
   * As {@link #reconnect}, for a connection that counts its attempts itself: {@code total} (monotonic) is read at each
   * scrape. Use one or the other for a given {@code connection}, not both.
   */
  public <T> void reconnects(String connection, T source, ToDoubleFunction<T> total) {
    FunctionCounter.builder(meterName("reconnects"), source, total)
        .description("Connections lost or failed and tried again").tags(tags("connection", connection))
        .register(registry);
  }

  /**
   * {@code switchboard.<protocol>.connections{connection,state}}: how many connections of one kind are in each of
   * {@code states}, read from {@code current} (each live connection's state) at every scrape. Register once per
   * kind, at start; {@code current} must be cheap and must not block.
   */
  public void connections(String connection, List<String> states, Supplier<? extends Collection<String>> current) {
    for (String state : states) {
      gauge("connections", "Connections by state", current, c -> count(c.get(), state), "connection", connection,
          "state", state);
    }
  }

  private static double count(Collection<String> states, String state) {
    return states.stream().filter(state::equals).count();
  }

  /** A counter {@code switchboard.<protocol>.<name>} with the given tag pairs (the protocol tag is added). */
  public Counter counter(String name, String description, String... tags) {
    return Counter.builder(meterName(name)).description(description).tags(tags(tags)).register(registry);
  }

  /**
   * A gauge {@code switchboard.<protocol>.<name>} reading {@code value} of {@code source} at each scrape; {@code
   * source} is held strongly (Micrometer's default weak reference would let a lambda be collected and read NaN).
   */
  public <T> void gauge(String name, String description, T source, ToDoubleFunction<T> value, String... tags) {
    Gauge.builder(meterName(name), source, value).description(description).tags(tags(tags)).strongReference(true)
        .register(registry);
  }

  private String meterName(String name) {
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("a meter name is dotted lower-case words: " + name);
    }
    return "switchboard." + protocol + "." + name;
  }

  private Tags tags(String... pairs) {
    return Tags.of(pairs).and("protocol", protocol);
  }
}
