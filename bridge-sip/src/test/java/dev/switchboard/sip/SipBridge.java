package dev.switchboard.sip;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.permission.Permissions;
import dev.switchboard.core.media.MediaConfig;
import dev.switchboard.core.runtime.BridgeRuntime;
import dev.switchboard.core.store.Database;
import dev.switchboard.core.store.SecretBox;
import dev.switchboard.sip.config.SipConfig;
import dev.switchboard.testkit.homeserver.AppServiceRegistration;
import dev.switchboard.testkit.homeserver.TestHomeserver;
import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.security.SecureRandom;
import java.util.List;

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
  private final Path db;

  private SipBridge(BridgeRuntime runtime, Path db) {
    this.runtime = runtime;
    this.db = db;
  }

  /** Starts core with the SIP connector configured by {@code sipSection}, then registers it with {@code hs}. */
  public static SipBridge start(TestHomeserver hs, ObjectNode sipSection, Path dir) throws Exception {
    return start(hs, sipSection, dir, JsonNodeFactory.instance.objectNode()
        .put(ADMIN_LOCALPART_PREFIX + hs.serverName(), "admin"), 0, true);
  }

  /**
   * Starts core with the SIP connector and this {@code permissions} section, its AS API on {@code port} (0: any
   * free one). {@code register} the first time only: a later bridge on the same port and directory is the same
   * bridge restarted (with, say, other permissions), and the homeserver keeps pushing to it.
   */
  public static SipBridge start(TestHomeserver hs, ObjectNode sipSection, Path dir, ObjectNode permissions, int port,
      boolean register) throws Exception {
    SipConnector connector = new SipConnector(SipConfig.parse(sipSection), hs.serverName());
    BridgeRuntime runtime = BridgeRuntime.start(BridgeRuntime.Settings.builder(hs.serverName(),
            URI.create(hs.baseUrl()), connector.namespaces(), AS_TOKEN, HS_TOKEN)
            .appserviceId("switchboard-sip").port(port).maxBodyBytes(10_000_000)
            .permissions(Permissions.fromConfig(permissions, hs.serverName())).media(MediaConfig.local()).build(),
        Database.open("jdbc:sqlite:" + dir.resolve("bridge.db"), null, null, List.of("sip")),
        new SecretBox(new byte[SecretBox.KEY_BYTES], new SecureRandom()), List.of(connector));
    if (register) {
      hs.registerAppService(AppServiceRegistration.builder("switchboard-sip")
          .url("http://127.0.0.1:" + runtime.port())
          .asToken(AS_TOKEN).hsToken(HS_TOKEN).senderLocalpart("switchboard")
          .users(connector.namespaces().users().get(0).regex(), true)
          .build());
    }
    return new SipBridge(runtime, dir.resolve("bridge.db"));
  }

  /** Where the bridge's media endpoint serves the links it hands out, e.g. {@code http://127.0.0.1:41234}. */
  public String mediaUrl() {
    return "http://127.0.0.1:" + runtime.mediaPort();
  }

  /** The port of the bridge's application service API (the homeserver's requests go there). */
  public int port() {
    return runtime.port();
  }

  /**
   * Whether the inbox holds {@code eventId} and has marked it done (every target of the event had it), read from the
   * store as a second connection would: what a restart would not run again.
   */
  public boolean isDone(String eventId) {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
        PreparedStatement s = c.prepareStatement("SELECT 1 FROM inbox_event e WHERE e.event_id = ? AND NOT EXISTS "
            + "(SELECT 1 FROM inbox_undone u WHERE u.seq = e.seq)")) {
      s.setString(1, eventId);
      try (ResultSet r = s.executeQuery()) {
        return r.next();
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the inbox", e);
    }
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
