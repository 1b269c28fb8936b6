package dev.switchboard.xmpp;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.connector.Connector;
import dev.switchboard.core.homeserver.RetryPolicy;
import dev.switchboard.core.permission.Permissions;
import dev.switchboard.core.media.MediaConfig;
import dev.switchboard.core.runtime.BridgeRuntime;
import dev.switchboard.core.store.Database;
import dev.switchboard.core.store.SecretBox;
import dev.switchboard.testkit.homeserver.AppServiceRegistration;
import dev.switchboard.testkit.homeserver.TestHomeserver;
import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;

/**
 * Core's runtime (the wiring the jar runs) around one connector, registered with a {@link TestHomeserver}; for
 * connector integration tests without the app module.
 */
public final class BridgeHarness implements AutoCloseable {
  public static final String BOT_LOCALPART = "switchboard";
  static final String AS_TOKEN = "as-token-xmpp-test";
  static final String HS_TOKEN = "hs-token-xmpp-test";

  private final BridgeRuntime runtime;

  private BridgeHarness(BridgeRuntime runtime) {
    this.runtime = runtime;
  }

  /** Starts core with {@code connector} and its config {@code section}, then registers it with {@code hs}. */
  public static BridgeHarness start(TestHomeserver hs, Connector connector, JsonNode section, Path dir)
      throws Exception {
    return start(hs, connector, section, dir, Permissions.defaults(hs.serverName()));
  }

  /** {@link #start(TestHomeserver, Connector, JsonNode, Path)} with these permission levels. */
  public static BridgeHarness start(TestHomeserver hs, Connector connector, JsonNode section, Path dir,
      Permissions permissions) throws Exception {
    BridgeRuntime runtime = runtime(hs, connector, section, dir, 0, permissions);
    // Now that we know our port, tell the homeserver where we are.
    hs.registerAppService(AppServiceRegistration.builder("switchboard").url("http://127.0.0.1:" + runtime.port())
        .asToken(AS_TOKEN).hsToken(HS_TOKEN).senderLocalpart(BOT_LOCALPART)
        .users(connector.namespaces().users().get(0).regex(), true)
        .aliases(connector.namespaces().aliases().get(0).regex(), true)
        .receiveEphemeral(true)
        .build());
    return new BridgeHarness(runtime);
  }

  /**
   * A bridge restart: a new runtime with a new {@code connector} on the same database and AS port as the one
   * {@link #close() closed} before (the homeserver already knows it there).
   */
  public static BridgeHarness restart(TestHomeserver hs, Connector connector, JsonNode section, Path dir, int port)
      throws Exception {
    return restart(hs, connector, section, dir, port, Permissions.defaults(hs.serverName()));
  }

  /** {@link #restart(TestHomeserver, Connector, JsonNode, Path, int)} with these permission levels. */
  public static BridgeHarness restart(TestHomeserver hs, Connector connector, JsonNode section, Path dir, int port,
      Permissions permissions) throws Exception {
    return new BridgeHarness(runtime(hs, connector, section, dir, port, permissions));
  }

  private static BridgeRuntime runtime(TestHomeserver hs, Connector connector, JsonNode section, Path dir, int port,
      Permissions permissions) throws Exception {
    return BridgeRuntime.start(BridgeRuntime.Settings.builder(hs.serverName(), URI.create(hs.baseUrl()),
            connector.namespaces(), AS_TOKEN, HS_TOKEN).botLocalpart(BOT_LOCALPART).port(port)
            .queuedRetry(new RetryPolicy(Duration.ofMillis(50), Duration.ofSeconds(1), Integer.MAX_VALUE))
            .permissions(permissions).media(MediaConfig.local()).build(),
        Database.open("jdbc:sqlite:" + dir.resolve("bridge.db"), null, null, List.of(connector.protocol())),
        new SecretBox(new byte[SecretBox.KEY_BYTES], new SecureRandom()), List.of(connector));
  }

  /** Where the bridge's media endpoint serves the links it hands out, e.g. {@code http://127.0.0.1:41234}. */
  public String mediaUrl() {
    return "http://127.0.0.1:" + runtime.mediaPort();
  }

  /** The port of the bridge's AS API. */
  public int port() {
    return runtime.port();
  }

  /** The value of counter {@code name} with these tag pairs, 0 when it was never incremented. */
  public double counter(String name, String... tags) {
    io.micrometer.core.instrument.Counter c = runtime.metrics().find(name).tags(tags).counter();
    return c == null ? 0 : c.count();
  }

  /** The value of a counter or function counter {@code name} with these tag pairs, 0 when there is none. */
  public double count(String name, String... tags) {
    io.micrometer.core.instrument.FunctionCounter f = runtime.metrics().find(name).tags(tags).functionCounter();
    return f != null ? f.count() : counter(name, tags);
  }

  @Override
  public void close() {
    runtime.close();
  }
}
