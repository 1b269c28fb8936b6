package dev.switchboard.irc;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.media.MediaConfig;
import dev.switchboard.core.permission.Permissions;
import dev.switchboard.core.runtime.BridgeRuntime;
import dev.switchboard.core.store.Database;
import dev.switchboard.core.store.SecretBox;
import dev.switchboard.registration.Namespaces;
import dev.switchboard.testkit.fixture.HomeserverFixture;
import dev.switchboard.testkit.homeserver.AppServiceRegistration;
import dev.switchboard.testkit.homeserver.TestHomeserver;
import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Core's runtime (the wiring the jar runs) with the IRC connector and the media endpoint, against a testkit
 * homeserver: the IRC connector tested through the real Matrix path.
 */
public final class IrcBridgeHarness implements AutoCloseable {
  public static final String AS_TOKEN = "as-token-irc-test";
  public static final String HS_TOKEN = "hs-token-irc-test";

  public final IrcConnector connector;
  private final BridgeRuntime runtime;

  /**
   * The homeserver the IRC flow tests use: {@code test.local}, retrying its pushes after 20-500 ms, serving media to
   * authenticated clients only (as Synapse does since 1.120): links that open prove the bridge serves them.
   */
  public static dev.switchboard.testkit.homeserver.Options homeserverOptions() {
    return dev.switchboard.testkit.homeserver.Options.defaults().serverName("test.local")
        .backoff(Duration.ofMillis(20), Duration.ofMillis(500))
        .media(dev.switchboard.testkit.homeserver.Options.Media.defaults().authenticatedOnly(true));
  }

  public static TestHomeserver startHomeserver() {
    return TestHomeserver.start(homeserverOptions());
  }

  /** That homeserver as a JUnit fixture; see {@link HomeserverFixture}. */
  public static HomeserverFixture homeserver() {
    return HomeserverFixture.start(homeserverOptions());
  }

  public IrcBridgeHarness(TestHomeserver hs, Path dir, String ircHost, int ircPort) throws Exception {
    this(hs, dir, ircHost, ircPort, network -> { });
  }

  /** @param network adds settings to the {@code test} network's config section */
  public IrcBridgeHarness(TestHomeserver hs, Path dir, String ircHost, int ircPort,
      java.util.function.Consumer<ObjectNode> network) throws Exception {
    this(hs, dir, ircHost, ircPort, network, section -> { });
  }

  /** @param section adds settings to the {@code irc} section itself (e.g. {@code presence}) */
  public IrcBridgeHarness(TestHomeserver hs, Path dir, String ircHost, int ircPort,
      java.util.function.Consumer<ObjectNode> network, java.util.function.Consumer<ObjectNode> section)
      throws Exception {
    this(hs, dir, ircHost, ircPort, network, section, Permissions.defaults(hs.serverName()));
  }

  /** @param permissions who may use the bridge (core's {@code permissions} and {@code relay} sections) */
  public IrcBridgeHarness(TestHomeserver hs, Path dir, String ircHost, int ircPort,
      java.util.function.Consumer<ObjectNode> network, java.util.function.Consumer<ObjectNode> section,
      Permissions permissions) throws Exception {
    ObjectNode irc = JsonNodeFactory.instance.objectNode();
    section.accept(irc);
    network.accept(irc.putObject("networks").putObject("test").put("host", ircHost).put("port", ircPort)
        .put("tls", false).put("nick", "switchboard"));
    connector = new IrcConnector(IrcConfig.parse(irc), hs.serverName(), new SplittableRandom(1), Duration.ofMillis(200));
    Namespaces namespaces = connector.namespaces();
    runtime = BridgeRuntime.start(BridgeRuntime.Settings.builder(hs.serverName(), URI.create(hs.baseUrl()),
            namespaces, AS_TOKEN, HS_TOKEN).permissions(permissions).media(MediaConfig.local()).build(),
        Database.open("jdbc:sqlite:" + dir.resolve("bridge.db"), null, null, List.of("irc")),
        new SecretBox(new byte[SecretBox.KEY_BYTES], new SecureRandom()), List.of(connector));

    hs.registerAppService(AppServiceRegistration.builder("switchboard")
        .url("http://127.0.0.1:" + runtime.port())
        .asToken(AS_TOKEN)
        .hsToken(HS_TOKEN)
        .senderLocalpart("switchboard")
        .users(namespaces.users().get(0).regex(), true)
        .aliases(namespaces.aliases().get(0).regex(), true)
        .build());
  }

  /** The channel user modes the bot sees {@code nick} with in {@code channel}. */
  public String botSeesModes(String network, String channel, String nick) {
    return connector.botSeesModes(network, channel, nick);
  }

  /** A Matrix user's puppet connection on a network, if it has one. */
  public java.util.Optional<dev.switchboard.irc.network.IrcConnection> puppetOf(String network,
      dev.switchboard.core.id.UserId user) {
    return connector.puppetOf(network, user);
  }

  /** Where the bridge's media endpoint serves the links it hands out, e.g. {@code http://127.0.0.1:41234}. */
  public String mediaUrl() {
    return "http://127.0.0.1:" + runtime.mediaPort();
  }

  /** The bridge's AS API port. */
  public int port() {
    return runtime.port();
  }

  @Override
  public void close() {
    runtime.close();
  }
}
