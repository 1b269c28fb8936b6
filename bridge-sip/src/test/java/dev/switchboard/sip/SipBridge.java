package dev.switchboard.sip;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.homeserver.RetryPolicy;
import dev.switchboard.core.config.BridgeConfig;
import dev.switchboard.core.permission.Permissions;
import dev.switchboard.core.runtime.BridgeRuntime;
import dev.switchboard.core.store.Database;
import dev.switchboard.core.store.SecretBox;
import dev.switchboard.sip.config.SipConfig;
import dev.switchboard.testkit.homeserver.AppServiceRegistration;
import dev.switchboard.testkit.homeserver.TestHomeserver;
import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Core's runtime (the wiring the jar runs) with only the SIP connector, against the testkit homeserver, over one
 * SQLite file. {@code @admin:<server>} is a bridge admin (for {@code !sip} commands); other local users are users.
 */
public final class SipBridge implements AutoCloseable {
  static final String AS_TOKEN = "as-token-sip";
  static final String HS_TOKEN = "hs-token-sip";
  private static final String ADMIN_LOCALPART_PREFIX = "@admin:";
  /** The bot's localpart: admin rooms are DMs with it. */
  public static final String BOT_LOCALPART = "switchboard";

  private final BridgeRuntime runtime;

  private SipBridge(BridgeRuntime runtime) {
    this.runtime = runtime;
  }

  /** Starts core with the SIP connector configured by {@code sipSection}, then registers it with {@code hs}. */
  public static SipBridge start(TestHomeserver hs, ObjectNode sipSection, Path dir) throws Exception {
    SipConnector connector = new SipConnector(SipConfig.parse(sipSection), hs.serverName());
    BridgeRuntime runtime = BridgeRuntime.start(new BridgeRuntime.Settings(hs.serverName(), URI.create(hs.baseUrl()),
            "switchboard-sip", AS_TOKEN, HS_TOKEN, "switchboard", connector.namespaces(), "127.0.0.1", 0,
            10_000_000, Optional.empty(), Duration.ofDays(7), Duration.ofDays(30), RetryPolicy.FOREVER,
            Permissions.fromConfig(com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode()
                .put(ADMIN_LOCALPART_PREFIX + hs.serverName(), "admin"), hs.serverName()), BridgeConfig.Metrics.disabled()),
        Database.open("jdbc:sqlite:" + dir.resolve("bridge.db"), null, null, List.of("sip")),
        new SecretBox(new byte[SecretBox.KEY_BYTES], new SecureRandom()), List.of(connector), p -> sipSection);
    hs.registerAppService(AppServiceRegistration.builder("switchboard-sip")
        .url("http://127.0.0.1:" + runtime.port())
        .asToken(AS_TOKEN).hsToken(HS_TOKEN).senderLocalpart("switchboard")
        .users(connector.namespaces().users().get(0).regex(), true)
        .build());
    return new SipBridge(runtime);
  }

  /** The port of the bridge's application service API (the homeserver's requests go there). */
  public int port() {
    return runtime.port();
  }

  /** The bridge's meters. */
  public io.micrometer.core.instrument.MeterRegistry metrics() {
    return runtime.metrics();
  }

  /** The value of counter {@code name} with these tag pairs, 0 when it was never incremented. */
  public double counter(String name, String... tags) {
    io.micrometer.core.instrument.Counter c = runtime.metrics().find(name).tags(tags).counter();
    return c == null ? 0 : c.count();
  }

  /** The value of gauge {@code name} with these tag pairs, NaN when there is none. */
  public double gauge(String name, String... tags) {
    io.micrometer.core.instrument.Gauge g = runtime.metrics().find(name).tags(tags).gauge();
    return g == null ? Double.NaN : g.value();
  }

  /** The token the homeserver presents to the bridge. */
  public static String hsToken() {
    return HS_TOKEN;
  }

  @Override
  public void close() {
    runtime.close();
  }
}
