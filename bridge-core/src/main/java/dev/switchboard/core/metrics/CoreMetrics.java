package dev.switchboard.core.metrics;

import dev.switchboard.core.connector.Connector;
import dev.switchboard.core.connector.ConnectorState;
import dev.switchboard.core.connector.Connectors;
import dev.switchboard.core.health.BridgeState;
import dev.switchboard.core.homeserver.AppServicePing;
import dev.switchboard.core.homeserver.OutboundQueue;
import dev.switchboard.core.inbox.InboxStore;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import java.time.Clock;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gauges core registers on the shared registry (held strongly: Micrometer keeps a gauge's object weakly by
 * default, and a method reference or sampler referenced by nothing else would be collected, leaving NaN): inbox depth and age, outbound queue depth, ping, bridge and
 * connector states, and the JVM. Counters and timers are recorded by the components themselves.
 */
public final class CoreMetrics implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CoreMetrics.class);

  private final JvmGcMetrics gc = new JvmGcMetrics();

  private CoreMetrics() {}

  /** The JVM: memory, GC, threads, class loading, CPU, uptime. Close the result at shutdown (GC listener). */
  public static CoreMetrics bindJvm(MeterRegistry registry) {
    CoreMetrics m = new CoreMetrics();
    new JvmMemoryMetrics().bindTo(registry);
    m.gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    return m;
  }

  /**
   * {@code switchboard.inbox.depth} and {@code switchboard.inbox.oldest.age} (seconds since the oldest undone
   * entry was received; 0 when none). Read from the database at each scrape.
   */
  public static void bindInbox(MeterRegistry registry, InboxStore inbox, Clock clock) {
    PendingSampler sampler = new PendingSampler(inbox, clock);
    Gauge.builder("switchboard.inbox.depth", sampler, PendingSampler::depth)
        .description("Inbox entries not yet accepted by every connector")
        .strongReference(true)
        .register(registry);
    Gauge.builder("switchboard.inbox.oldest.age", sampler, PendingSampler::oldestAgeSeconds)
        .description("Age of the oldest inbox entry not yet done")
        .baseUnit("seconds")
        .strongReference(true)
        .register(registry);
  }

  /** {@code switchboard.outbound.queue.depth}: requests to the homeserver waiting or in flight. */
  public static void bindOutboundQueue(MeterRegistry registry, IntSupplier pending) {
    Gauge.builder("switchboard.outbound.queue.depth", pending, IntSupplier::getAsInt)
        .description("Requests to the homeserver queued or in flight")
        .strongReference(true)
        .register(registry);
  }

  /**
   * {@code switchboard.outbound.coalesced.batches} and {@code .lines}: multi-line events the outbound queue sent for
   * rooms that were behind, and the lines in them.
   */
  public static void bindOutboundCoalescing(MeterRegistry registry, OutboundQueue queue) {
    // The queue lives as long as the runtime that holds it, so the counters' weak reference to it stays valid.
    FunctionCounter.builder("switchboard.outbound.coalesced.batches", queue, OutboundQueue::coalescedBatches)
        .description("Multi-line events sent for a sender's lines waiting in a room that was behind")
        .register(registry);
    FunctionCounter.builder("switchboard.outbound.coalesced.lines", queue, OutboundQueue::coalescedLines)
        .description("Lines sent inside multi-line events")
        .register(registry);
  }

  /** {@code switchboard.homeserver.ping{state}}: 1 for the ping's current state, 0 for the others. */
  public static void bindPing(MeterRegistry registry, Supplier<AppServicePing.State> ping) {
    for (AppServicePing.State s : AppServicePing.State.values()) {
      Gauge.builder("switchboard.homeserver.ping", ping, p -> p.get() == s ? 1 : 0)
          .description("The appservice ping's state (1 = current)")
          .tag("state", s.name())
          .strongReference(true)
        .register(registry);
    }
  }

  /** {@code switchboard.bridge.state{state}}: 1 for the current state. */
  public static void bindBridgeState(MeterRegistry registry, Supplier<BridgeState> bridge) {
    for (BridgeState s : BridgeState.values()) {
      Gauge.builder("switchboard.bridge.state", bridge, b -> b.get() == s ? 1 : 0)
          .description("The bridge's state (1 = current)")
          .tag("state", s.name())
          .strongReference(true)
        .register(registry);
    }
  }

  /** {@code switchboard.connector.state{protocol,state}}: 1 for each connector's current state. */
  public static void bindConnectors(MeterRegistry registry, Connectors connectors) {
    for (Connector c : connectors.all()) {
      for (ConnectorState s : ConnectorState.values()) {
        Gauge.builder("switchboard.connector.state", c, conn -> stateOf(conn) == s ? 1 : 0)
            .description("Each connector's state (1 = current)")
            .tags("protocol", c.protocol(), "state", s.name())
            .strongReference(true)
        .register(registry);
      }
    }
  }

  private static ConnectorState stateOf(Connector c) {
    try {
      return c.state();
    } catch (RuntimeException e) {
      return ConnectorState.TRANSIENT_DISCONNECT;
    }
  }

  /** One database read serves both inbox gauges of a scrape (they are read one after the other). */
  private static final class PendingSampler {
    private static final long FRESH_MS = 1_000;
    private final InboxStore inbox;
    private final Clock clock;
    private long sampledAt = Long.MIN_VALUE;
    private InboxStore.Pending last;

    PendingSampler(InboxStore inbox, Clock clock) {
      this.inbox = inbox;
      this.clock = clock;
    }

    private synchronized InboxStore.Pending sample() {
      long now = clock.millis();
      if (last == null || now - sampledAt > FRESH_MS || now < sampledAt) {
        try {
          last = inbox.pendingSummary();
        } catch (RuntimeException e) {
          log.debug("Cannot read the inbox for metrics: {}", e.toString());
          last = null;
          return null;
        }
        sampledAt = now;
      }
      return last;
    }

    double depth() {
      InboxStore.Pending p = sample();
      return p == null ? Double.NaN : p.count();
    }

    double oldestAgeSeconds() {
      InboxStore.Pending p = sample();
      if (p == null) {
        return Double.NaN;
      }
      return p.oldestReceivedAt().map(at -> Math.max(0, clock.millis() - at) / 1000.0).orElse(0.0);
    }
  }

  @Override
  public void close() {
    gc.close();
  }
}
