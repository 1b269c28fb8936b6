package dev.switchboard.xmpp;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.testkit.homeserver.Options;
import dev.switchboard.testkit.homeserver.TestHomeserver;
import dev.switchboard.testkit.net.PausableProxy;
import dev.switchboard.testkit.xmpp.ProsodyServer;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.jivesoftware.smackx.muc.MultiUserChat;
import org.jivesoftware.smackx.muc.MultiUserChatManager;
import org.jxmpp.jid.impl.JidCreate;
import org.jxmpp.jid.parts.Resourcepart;

/**
 * A MUC portal scene: real Prosody (the component reached through a {@link PausableProxy}), the testkit homeserver,
 * the bridge core with the XMPP connector, and the XMPP user bob, owner of the MUC {@code dev}.
 */
public final class MucFixture implements AutoCloseable {
  public static final Duration WAIT = Duration.ofSeconds(30); // generous: CI machines are slow and shared

  public final ProsodyServer prosody;
  public final TestHomeserver hs;
  public final PausableProxy componentLink;
  public BridgeHarness bridge;
  private ObjectNode section;
  private Path dir;
  /** The permissions the bridge started with (null: core's defaults), kept for {@link #restartBridge}. */
  private dev.switchboard.core.permission.Permissions permissions;
  public XmppConnector connector;
  public XmppClient bob;
  public MultiUserChat bobInDev;

  private MucFixture(ProsodyServer prosody, TestHomeserver hs, PausableProxy componentLink, BridgeHarness bridge) {
    this.prosody = prosody;
    this.hs = hs;
    this.componentLink = componentLink;
    this.bridge = bridge;
  }

  /** Starts everything; {@code extraConfig} is merged into the {@code xmpp:} section. */
  public static MucFixture start(Path dir, String extraConfig) throws Exception {
    return start(dir, extraConfig, "debug");
  }

  /** {@link #start(Path, String)} with Prosody logging from {@code prosodyLogLevel} up (benchmarks: info). */
  public static MucFixture start(Path dir, String extraConfig, String prosodyLogLevel) throws Exception {
    return start(dir, extraConfig, prosodyLogLevel, 0);
  }

  /** ... and Prosody's archive item limit ({@link ProsodyServer#start(String, int)}; 0: Prosody's default). */
  public static MucFixture start(Path dir, String extraConfig, String prosodyLogLevel, int archiveItemLimit)
      throws Exception {
    return start(dir, extraConfig, prosodyLogLevel, archiveItemLimit, null);
  }

  /**
   * {@link #start(Path, String)} with the bridge's {@code permissions} section (YAML/JSON; {@code %s} stands for the
   * homeserver's server name).
   */
  public static MucFixture startWithPermissions(Path dir, String permissions) throws Exception {
    return startWithPermissions(dir, "{}", permissions);
  }

  /** ... with {@code extraConfig} merged into the {@code xmpp:} section. */
  public static MucFixture startWithPermissions(Path dir, String extraConfig, String permissions) throws Exception {
    return start(dir, extraConfig, "debug", 0, permissions);
  }

  /** {@link #start(Path, String)} against a homeserver with these options (e.g. authenticated media only). */
  public static MucFixture start(Path dir, String extraConfig, Options homeserver) throws Exception {
    return start(dir, extraConfig, "debug", 0, null, homeserver);
  }

  private static MucFixture start(Path dir, String extraConfig, String prosodyLogLevel, int archiveItemLimit,
      String permissions) throws Exception {
    return start(dir, extraConfig, prosodyLogLevel, archiveItemLimit, permissions, Options.defaults());
  }

  private static MucFixture start(Path dir, String extraConfig, String prosodyLogLevel, int archiveItemLimit,
      String permissions, Options homeserver) throws Exception {
    ProsodyServer prosody = ProsodyServer.start(prosodyLogLevel, archiveItemLimit);
    TestHomeserver hs = null;
    PausableProxy proxy = null;
    try {
      hs = TestHomeserver.start(homeserver);
      proxy = PausableProxy.inFrontOf("127.0.0.1", prosody.componentPort());
      ObjectMapper json = new ObjectMapper();
      ObjectNode section = (ObjectNode) json.readTree("""
          {"enabled": true, "domain": "%s", "secret": "%s", "server_host": "127.0.0.1", "server_port": %d}
          """.formatted(ProsodyServer.COMPONENT, prosody.componentSecret(), proxy.port()));
      section.setAll((ObjectNode) json.readTree(extraConfig));
      XmppConnector connector = new XmppConnector(section, hs.serverName());
      dev.switchboard.core.permission.Permissions levels = permissions == null ? null
          : dev.switchboard.core.permission.Permissions.fromConfig(
              json.readTree(permissions.replace("%s", hs.serverName())), hs.serverName())
              .withRelay(dev.switchboard.core.permission.RelayFormat.defaults());
      BridgeHarness bridge = levels == null ? BridgeHarness.start(hs, connector, section, dir)
          : BridgeHarness.start(hs, connector, section, dir, levels);
      MucFixture f = new MucFixture(prosody, hs, proxy, bridge);
      f.connector = connector;
      f.section = section;
      f.dir = dir;
      f.permissions = levels;
      f.bob = XmppClient.login(prosody, "bob");
      f.bobInDev = f.mucOf(f.bob);
      f.bobInDev.create(Resourcepart.from("bob")).makeInstant();
      // Else a test's first stanza to the component can beat its handshake (Prosody: "Component unavailable").
      await().atMost(WAIT).until(() -> connector.state() == dev.switchboard.core.connector.ConnectorState.RUNNING);
      return f;
    } catch (Exception | Error e) {
      if (proxy != null) {
        proxy.close();
      }
      if (hs != null) {
        hs.close();
      }
      prosody.close();
      throw e;
    }
  }

  /**
   * Stops the bridge (runtime and connector) and starts a new one on the same database and AS port, as after a
   * process restart; Prosody, the homeserver and the XMPP clients stay.
   */
  public void restartBridge() throws Exception {
    stopBridge();
    startBridgeAgain();
  }

  private int stoppedPort;

  /** The first half of {@link #restartBridge}: the bridge is down until {@link #startBridgeAgain}. */
  public void stopBridge() {
    stoppedPort = bridge.port();
    bridge.close();
  }

  /** A new bridge on the same database and AS port as the one {@link #stopBridge} stopped. */
  public void startBridgeAgain() throws Exception {
    connector = new XmppConnector(section, hs.serverName());
    bridge = permissions == null ? BridgeHarness.restart(hs, connector, section, dir, stoppedPort)
        : BridgeHarness.restart(hs, connector, section, dir, stoppedPort, permissions);
  }

  public static MucFixture start(Path dir) throws Exception {
    return start(dir, "{}");
  }

  /** Where the bridge's media endpoint serves the links it hands out. */
  public String mediaUrl() {
    return bridge.mediaUrl();
  }

  /** The {@code dev} MUC as seen by {@code client}. */
  public MultiUserChat mucOf(XmppClient client) throws Exception {
    return MultiUserChatManager.getInstanceFor(client.connection).getMultiUserChat(JidCreate.entityBareFrom(muc()));
  }

  public String muc() {
    return "dev@" + ProsodyServer.MUC;
  }

  public String alias() {
    return "#_xmpp_dev_" + ProsodyServer.MUC + ":" + hs.serverName();
  }

  /** The ghost of the occupant that joined {@code dev} with {@code nick}. */
  public String ghostOf(String nick) {
    return "@_xmpp_dev=40" + ProsodyServer.MUC + "/" + nick + ":" + hs.serverName();
  }

  public void awaitMembership(String room, String user, String membership) {
    await().atMost(WAIT).until(() -> membership.equals(hs.members(room).get(user)));
  }

  /** The power level of {@code user} in the room's current power levels (the users default if unlisted). */
  public int powerLevel(String room, String user) {
    JsonNode pl = hs.roomStateEvent(room, "m.room.power_levels", "");
    if (pl == null) {
      return 0;
    }
    JsonNode level = pl.path("content").path("users").path(user);
    return level.isMissingNode() ? pl.path("content").path("users_default").asInt(0) : level.asInt();
  }

  /** Sets {@code user}'s power level as the bridge bot (the room's creator), as a room admin would. */
  public void setPowerLevelAsBot(String room, String user, int level) throws Exception {
    ObjectNode content = hs.roomStateEvent(room, "m.room.power_levels", "").get("content").deepCopy();
    content.with("users").put(user, level);
    HttpRequest put = HttpRequest.newBuilder(URI.create(hs.baseUrl() + "/_matrix/client/v3/rooms/"
            + URLEncoder.encode(room, StandardCharsets.UTF_8) + "/state/m.room.power_levels/"))
        .header("Authorization", "Bearer " + BridgeHarness.AS_TOKEN)
        .header("Content-Type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofString(content.toString())).build();
    HttpResponse<String> response = HttpClient.newHttpClient().send(put, HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new AssertionError("power levels not set: " + response.statusCode() + " " + response.body());
    }
  }

  @Override
  public void close() {
    if (bob != null) {
      bob.close();
    }
    bridge.close();
    hs.close();
    componentLink.close();
    prosody.close();
  }
}
