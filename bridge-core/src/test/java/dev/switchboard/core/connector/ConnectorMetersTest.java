package dev.switchboard.core.connector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ConnectorMetersTest {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final ConnectorMeters irc = new ConnectorMeters(registry, "irc");

  @Test
  void messagesReconnectsAndConnectionsAppearUnderTheProtocolsPrefixWithAProtocolTag() {
    List<String> bots = new CopyOnWriteArrayList<>(List.of("connected", "reconnecting"));

    irc.message(ConnectorMeters.Direction.TO_MATRIX);
    irc.message(ConnectorMeters.Direction.TO_MATRIX);
    irc.message(ConnectorMeters.Direction.TO_REMOTE);
    irc.reconnect("bot");
    irc.connections("bot", List.of("connecting", "connected", "reconnecting"), () -> bots);

    String scrape = registry.scrape();
    assertThat(scrape).contains(
        "switchboard_irc_messages_total{direction=\"to_matrix\",protocol=\"irc\"} 2.0",
        "switchboard_irc_messages_total{direction=\"to_remote\",protocol=\"irc\"} 1.0",
        "switchboard_irc_reconnects_total{connection=\"bot\",protocol=\"irc\"} 1.0",
        "switchboard_irc_connections{connection=\"bot\",protocol=\"irc\",state=\"connected\"} 1.0",
        "switchboard_irc_connections{connection=\"bot\",protocol=\"irc\",state=\"connecting\"} 0.0");

    bots.set(1, "connected"); // gauges are read at each scrape
    assertThat(registry.scrape())
        .contains("switchboard_irc_connections{connection=\"bot\",protocol=\"irc\",state=\"connected\"} 2.0");
  }

  @Test
  void aConnectionThatCountsItsOwnAttemptsIsReadAtTheScrape() {
    AtomicInteger attempts = new AtomicInteger(1);
    ConnectorMeters xmpp = new ConnectorMeters(registry, "xmpp");
    xmpp.reconnects("component", attempts, a -> a.get() - 1);
    attempts.set(4);

    assertThat(registry.scrape()).contains("switchboard_xmpp_reconnects_total{connection=\"component\",protocol=\"xmpp\"} 3.0");
  }

  @Test
  void badProtocolIdsAndMeterNamesAreRefused() {
    assertThatThrownBy(() -> new ConnectorMeters(registry, "Irc")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new ConnectorMeters(registry, "a.b")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> irc.counter("Bad Name", "x")).isInstanceOf(IllegalArgumentException.class);
  }
}
