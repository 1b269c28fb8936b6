package dev.switchboard.app;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.config.BridgeConfig;
import dev.switchboard.core.config.ConfigLoader;
import dev.switchboard.core.connector.Link;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.portal.Portals;
import dev.switchboard.core.store.Database;
import dev.switchboard.core.store.PortalStore;
import dev.switchboard.registration.Registration;
import dev.switchboard.testkit.homeserver.AppServiceRegistration;
import dev.switchboard.testkit.homeserver.RoomSpec;
import dev.switchboard.testkit.homeserver.TestHomeserver;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.testkit.irc.IrcTestUser;
import dev.switchboard.testkit.irc.NgircdServer;
import dev.switchboard.testkit.net.PausableProxy;
import dev.switchboard.testkit.xmpp.ProsodyServer;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jivesoftware.smack.ConnectionConfiguration.SecurityMode;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.jivesoftware.smack.tcp.XMPPTCPConnectionConfiguration;
import org.jivesoftware.smackx.muc.MultiUserChat;
import org.jivesoftware.smackx.muc.MultiUserChatManager;
import org.jxmpp.jid.impl.JidCreate;
import org.jxmpp.jid.parts.Resourcepart;

/**
 * A hub room (issue 9): one Matrix room on the testkit homeserver linked to the IRC channel {@code #hub} on a real
 * ngircd and to the MUC {@code hub@conference.localhost} on a real Prosody, with the whole bridge as the jar runs it.
 * dave is on IRC, carol in the MUC, alice on Matrix. The bridge reaches ngircd through a {@link PausableProxy}, so a
 * test can hold the bridge back while it reconnects after an ircd restart until its IRC user is back in the channel.
 */
final class HubFixture implements AutoCloseable {
  static final Duration WAIT = Duration.ofSeconds(60); // generous: CI machines are slow and shared
  static final String CHANNEL = "#hub";
  static final String IRC_LINK = "test/#hub";
  static final String MUC = "hub@" + ProsodyServer.MUC;

  final NgircdServer ngircd;
  final PausableProxy ircLink;
  final ProsodyServer prosody;
  final TestHomeserver hs;
  final Bridge bridge;
  final TestUser alice;
  final String room;
  IrcTestUser dave;
  final XMPPTCPConnection carol;
  final MultiUserChat carolInHub;
  /** Every groupchat message carol's client got from the MUC, in order. */
  final List<Message> carolGot = new CopyOnWriteArrayList<>();
  private final List<AutoCloseable> toClose = new ArrayList<>();

  private final boolean portalAliases;

  private HubFixture(Path dir, boolean portalAliases) throws Exception {
    this.portalAliases = portalAliases;
    try {
      ngircd = track(NgircdServer.start());
      ircLink = track(PausableProxy.inFrontOf(ngircd.host(), ngircd.port()));
      prosody = track(ProsodyServer.start());
      hs = track(TestHomeserver.start());

      prosody.createUser("carol", "pw-carol");
      carol = new XMPPTCPConnection(XMPPTCPConnectionConfiguration.builder()
          .setXmppDomain(ProsodyServer.HOST).setHost("127.0.0.1").setPort(prosody.c2sPort())
          .setUsernameAndPassword("carol", "pw-carol").setResource("test")
          .setSecurityMode(SecurityMode.disabled).build());
      // Synchronous: listeners run one at a time in stream order (async ones may run concurrently, out of order).
      carol.addSyncStanzaListener(s -> carolGot.add((Message) s),
          s -> s instanceof Message m && m.getType() == Message.Type.groupchat);
      carol.connect().login();
      toClose.add(0, carol::disconnect);
      carolInHub = MultiUserChatManager.getInstanceFor(carol).getMultiUserChat(JidCreate.entityBareFrom(MUC));
      carolInHub.create(Resourcepart.from("carol")).makeInstant();

      dave = IrcTestUser.connect(ngircd, "dave");
      daveJoins();

      alice = hs.user("alice");
      room = alice.createRoom(RoomSpec.publicRoom().name("Hub"));

      BridgeConfig config = config(dir);
      // The room is linked to both networks before the bridge starts, as an admin's !link commands would leave it
      // (the connectors' LinkCapable implementations are other slices' work; the dispatcher only needs the links).
      try (Database db = Database.open(config.database().url(), null, null, List.of())) {
        new Portals(new PortalStore(db, Clock.systemUTC())).createPlumbedRoom(RoomId.of(room), List.of(
            new Link(RoomId.of(room), "irc", IRC_LINK, true), new Link(RoomId.of(room), "xmpp", MUC, true)));
      }
      Registration registration = RegistrationWriter.write(config, config.appservice().registration());
      hs.registerAppService(AppServiceRegistration.fromYaml(config.appservice().registration()));
      // As an admin plumbing a room would: the bridge may then mirror remote roles as power levels. Before the
      // bridge starts: it mirrors MUC roles from the power levels it reads at once, and a grant landing between its
      // read and its write would be overwritten (read-modify-write: docs/xmpp.md, Not done yet).
      alice.setPowerLevel(room, "@switchboard:" + hs.serverName(), 100);
      bridge = track(Bridge.start(config, registration, new ConnectorFactory()));
      botJoins(registration.asToken());

      // Both links are live: the bot is in the channel and the listener in the MUC.
      dave.awaitLine(l -> l.contains(" JOIN ") && l.startsWith(":switchboard!"), WAIT);
      await().atMost(WAIT).until(() -> carolInHub.getOccupants().stream()
          .anyMatch(o -> o.getResourceOrEmpty().toString().equals("Matrix")));
    } catch (Exception | Error e) {
      close();
      throw e;
    }
  }

  static HubFixture start(Path dir) throws Exception {
    return new HubFixture(dir, false);
  }

  /** With {@code hub.portal_aliases} set as given for both connectors. */
  static HubFixture start(Path dir, boolean portalAliases) throws Exception {
    return new HubFixture(dir, portalAliases);
  }

  private <T extends AutoCloseable> T track(T closeable) {
    toClose.add(0, closeable);
    return closeable;
  }

  /** dave (re)joins {@code #hub} and waits until the server confirmed it. */
  void daveJoins() throws Exception {
    dave.join(CHANNEL);
    dave.awaitLine(l -> l.startsWith(":dave!") && l.contains(" JOIN "), WAIT);
  }

  /** A fresh IRC connection for dave (after an ircd restart dropped the old one). */
  void reconnectDave() throws Exception {
    dave.close();
    dave = IrcTestUser.connect(ngircd, "dave");
    daveJoins();
  }

  private BridgeConfig config(Path dir) throws Exception {
    int port = freePort();
    Path file = dir.resolve("config.yaml");
    Files.writeString(file, """
        homeserver:
          url: %s
          domain: %s
        appservice:
          port: %d
          url: http://127.0.0.1:%d
          bot_localpart: switchboard
        media:
          port: 0
        database:
          url: jdbc:sqlite:%s
        irc:
          enabled: true
          networks:
            test:
              host: %s
              port: %d
              tls: false
              nick: switchboard
              flood: { burst: 1000, per_second: 1000 }
              line_limit: 3
          hub: { portal_aliases: %s }
        xmpp:
          enabled: true
          domain: %s
          secret: %s
          server_host: 127.0.0.1
          server_port: %d
          hub: { portal_aliases: %s }
        """.formatted(hs.baseUrl(), hs.serverName(), port, port, dir.resolve("bridge.db"), ircLink.host(),
        ircLink.port(), portalAliases, ProsodyServer.COMPONENT, prosody.componentSecret(), prosody.componentPort(),
        portalAliases));
    return new ConfigLoader(Map.of()).load(file);
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** The bot joins the (public) room, so the homeserver sends the bridge its events. */
  private void botJoins(String asToken) throws Exception {
    HttpRequest join = HttpRequest.newBuilder(URI.create(hs.baseUrl() + "/_matrix/client/v3/join/"
            + URLEncoder.encode(room, StandardCharsets.UTF_8)))
        .header("Authorization", "Bearer " + asToken).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{}")).build();
    HttpResponse<String> response = HttpClient.newHttpClient().send(join, HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new AssertionError("bot could not join: " + response.statusCode() + " " + response.body());
    }
  }

  /** carol says {@code text} in the MUC; returns the stanza id she gave it. */
  String carolSays(String text) throws Exception {
    Message m = carol.getStanzaFactory().buildMessageStanza().to(JidCreate.entityBareFrom(MUC))
        .ofType(Message.Type.groupchat).setBody(text).build();
    carol.sendStanza(m);
    return m.getStanzaId();
  }

  /** The groupchat messages carol got from occupant {@code nick} with exactly {@code body}. */
  List<Message> carolGotFrom(String nick, String body) {
    return carolGot.stream().filter(m -> m.getFrom() != null
        && nick.equals(m.getFrom().getResourceOrEmpty().toString()) && body.equals(m.getBody())).toList();
  }

  Message carolAwaits(String nick, String body) {
    await().atMost(WAIT).until(() -> !carolGotFrom(nick, body).isEmpty());
    return carolGotFrom(nick, body).get(0);
  }

  /** The MUC's XEP-0359 stanza-id of a message, which replies, reactions and retractions refer to. */
  static String stanzaIdOf(Message m) {
    return m.getExtensions("stanza-id", "urn:xmpp:sid:0").stream()
        .map(e -> (org.jivesoftware.smack.packet.StandardExtensionElement) e)
        .filter(e -> MUC.equals(e.getAttributeValue("by")))
        .map(e -> e.getAttributeValue("id")).findFirst()
        .orElseThrow(() -> new AssertionError("no stanza-id by the MUC on " + m.toXML()));
  }

  /** carol sends {@code extension} (a reaction, a retraction) to the MUC. */
  void carolSends(org.jivesoftware.smack.packet.ExtensionElement extension) throws Exception {
    carol.sendStanza(carol.getStanzaFactory().buildMessageStanza().to(JidCreate.entityBareFrom(MUC))
        .ofType(Message.Type.groupchat).addExtension(extension).build());
  }

  /** Room messages (m.room.message) with exactly {@code body}, by anyone. */
  List<JsonNode> roomMessages(String body) {
    return hs.timeline(room).stream().filter(e -> "m.room.message".equals(e.path("type").asText())
        && body.equals(e.path("content").path("body").asText())).toList();
  }

  @Override
  public void close() {
    if (dave != null) {
      dave.close();
    }
    for (AutoCloseable c : toClose) {
      try {
        c.close();
      } catch (Exception ignored) {
        // closing anyway
      }
    }
  }
}
