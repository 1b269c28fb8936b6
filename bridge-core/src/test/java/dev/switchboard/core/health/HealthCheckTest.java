package dev.switchboard.core.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.RecordingConnector;
import dev.switchboard.core.connector.ConnectorState;
import dev.switchboard.core.connector.Connectors;
import dev.switchboard.core.homeserver.AppServicePing;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class HealthCheckTest {
  private final AtomicReference<BridgeState> bridge = new AtomicReference<>(BridgeState.RUNNING);
  private final AtomicBoolean database = new AtomicBoolean(true);
  private final AtomicBoolean homeserver = new AtomicBoolean(true);
  private final AtomicReference<AppServicePing.State> ping = new AtomicReference<>(AppServicePing.State.REACHABLE);
  private final AtomicReference<ConnectorState> irc = new AtomicReference<>(ConnectorState.RUNNING);

  private HealthReport report() {
    RecordingConnector connector = new RecordingConnector("irc", "example.org") {
      @Override
      public ConnectorState state() {
        return irc.get();
      }
    };
    return new HealthCheck(new HealthCheck.Sources(bridge::get, new Connectors(List.of(connector)), () -> true,
        database::get, () -> {
          if (!database.get()) {
            throw new IllegalStateException("closed");
          }
          return 3;
        }, homeserver::get, ping::get, () -> Optional.of("the homeserver cannot reach the bridge"))).report();
  }

  @Test
  void allWellIsOkAndReady() {
    HealthReport r = report();
    assertThat(r.status()).isEqualTo("ok");
    assertThat(r.ready()).isTrue();
    assertThat(r.inboxDepth()).hasValue(3);
    assertThat(r.toJson().path("connectors").path("irc").asText()).isEqualTo("RUNNING");
  }

  @Test
  void aConnectorOutageDegradesHealthButNotReadiness() {
    irc.set(ConnectorState.TRANSIENT_DISCONNECT);
    HealthReport r = report();
    assertThat(r.status()).isEqualTo("degraded");
    assertThat(r.healthy()).isFalse();
    assertThat(r.ready()).isTrue();
    assertThat(r.problems()).contains("connector irc is TRANSIENT_DISCONNECT");
  }

  @Test
  void aDeadDatabaseOrFailingPingOrStartingBridgeIsNotReady() {
    database.set(false);
    HealthReport r = report();
    assertThat(r.ready()).isFalse();
    assertThat(r.status()).isEqualTo("unavailable");
    assertThat(r.inboxDepth()).isEmpty();
    database.set(true);
    ping.set(AppServicePing.State.FAILING);
    assertThat(report().ready()).isFalse();
    assertThat(report().problems()).contains("the homeserver cannot reach the bridge");
    ping.set(AppServicePing.State.CHECKING);
    assertThat(report().ready()).isTrue();
    bridge.set(BridgeState.STARTING);
    assertThat(report().ready()).isFalse();
  }

  @Test
  void anUnreachableHomeserverDegradesHealth() {
    homeserver.set(false);
    assertThat(report().status()).isEqualTo("degraded");
    assertThat(report().toJson().path("homeserver").path("reachable").asBoolean()).isFalse();
  }
}
