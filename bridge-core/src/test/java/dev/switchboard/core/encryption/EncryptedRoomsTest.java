package dev.switchboard.core.encryption;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.connector.Connector;
import dev.switchboard.core.connector.ConnectorContext;
import dev.switchboard.core.connector.Link;
import dev.switchboard.core.connector.MembershipHandling;
import dev.switchboard.core.connector.MessageHandling;
import dev.switchboard.core.event.MatrixMessage;
import dev.switchboard.core.event.MembershipChange;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.permission.Permissions;
import dev.switchboard.core.runtime.BridgeRuntime;
import dev.switchboard.core.store.Database;
import dev.switchboard.core.store.SecretBox;
import dev.switchboard.registration.NamespaceRegex;
import dev.switchboard.registration.Namespaces;
import dev.switchboard.testkit.LogCapture;
import dev.switchboard.testkit.fixture.HomeserverFixture;
import dev.switchboard.testkit.homeserver.AppServiceRegistration;
import dev.switchboard.testkit.homeserver.TestHomeserver;
import dev.switchboard.testkit.homeserver.TestUser;
import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Encrypted rooms while the bridge cannot decrypt, end to end: the bridge runtime against the testkit homeserver, with
 * a connector that has DMs the way SIP has them (the user opens a room and invites a ghost, which joins; the bot is
 * not there) and plain links.
 */
class EncryptedRoomsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String AS_TOKEN = "as-token-encrypted-rooms-test";
  private static final String HS_TOKEN = "hs-token-encrypted-rooms-test";
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir
  Path dir;
  @RegisterExtension
  final HomeserverFixture hs = HomeserverFixture.start();

  private final DmConnector connector = new DmConnector();
  private BridgeRuntime bridge;
  private int port;
  private String bot;
  private String ghost;
  private TestUser alice;

  /** DMs with ghosts {@code @_dm_*}; takes messages, so what reaches it is what the bridge carried. */
  private static final class DmConnector implements Connector, MessageHandling, MembershipHandling {
    final List<String> received = new CopyOnWriteArrayList<>();
    private volatile ConnectorContext context;
    private volatile String domain;

    @Override
    public String protocol() {
      return "dm";
    }

    @Override
    public Namespaces namespaces() {
      return new Namespaces(List.of(NamespaceRegex.users("_dm_", domain)), List.of(), List.of());
    }

    @Override
    public void start(ConnectorContext context) {
      this.context = context;
    }

    @Override
    public void stop() {}

    @Override
    public CompletableFuture<Void> onMessage(MatrixMessage message, Link link) {
      received.add(message.event().type() + " " + message.event().content().path("body").asText());
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<Void> onMembership(MembershipChange change, Optional<Link> link) {
      if (link.isPresent() || !change.membership().equals("invite")) {
        return CompletableFuture.completedFuture(null);
      }
      RoomId room = change.event().roomId();
      return context.intents().ghost(change.subject()).ensureJoined(room)
          .thenRunAsync(() -> context.portals().createPlumbedRoom(room, List.of(new Link(room, "dm",
              change.subject().value() + "|" + change.event().sender().value(), true))),
              context.blockingExecutor());
    }
  }

  @BeforeEach
  void start() throws Exception {
    TestHomeserver server = hs.get();
    connector.domain = server.serverName();
    bot = "@switchboard:" + server.serverName();
    ghost = "@_dm_bob:" + server.serverName();
    alice = server.user("alice");
    bridge = startBridge(0);
    port = bridge.port();
    server.registerAppService(AppServiceRegistration.builder("switchboard")
        .url("http://127.0.0.1:" + port).asToken(AS_TOKEN).hsToken(HS_TOKEN).senderLocalpart("switchboard")
        .users(connector.namespaces().users().get(0).regex(), true)
        .build());
  }

  private BridgeRuntime startBridge(int listenOn) throws Exception {
    TestHomeserver server = hs.get();
    Permissions permissions = Permissions.fromConfig(JSON.valueToTree(Map.of(alice.userId(), "admin")),
        server.serverName());
    return BridgeRuntime.start(BridgeRuntime.Settings.builder(server.serverName(), URI.create(server.baseUrl()),
            connector.namespaces(), AS_TOKEN, HS_TOKEN).port(listenOn).permissions(permissions).build(),
        Database.open(jdbcUrl(), null, null, List.of()), new SecretBox(new byte[SecretBox.KEY_BYTES],
            new SecureRandom()), List.of(connector));
  }

  private String jdbcUrl() {
    return "jdbc:sqlite:" + dir.resolve("bridge.db");
  }

  @AfterEach
  void stop() {
    if (bridge != null) {
      bridge.close();
    }
  }

  @Test
  void turningEncryptionOnInABridgedRoomPostsOneNoticeAndStatusListsTheRoom() throws Exception {
    String room = bridgedRoomWithBot();

    turnEncryptionOn(room, 604_800_000);
    hs.get().awaitEvent(room, bot, e -> isEncryptionNotice(e), WAIT);
    turnEncryptionOn(room, 86_400_000); // changing the settings is not turning it on again
    sendEncrypted(room); // in room order after the second change: once its notice is there, both were handled
    hs.get().awaitEvent(room, bot, e -> body(e).contains("this message is encrypted"), WAIT);

    assertThat(notices(room, bot)).filteredOn(this::isEncryptionNotice).hasSize(1);
    assertThat(connector.received).isEmpty();
    assertThat(status()).contains("Encrypted bridged rooms (messages sent there are not bridged: the bridge "
        + "cannot decrypt): 1\n- " + room);
  }

  @Test
  void theInboxRunningTheEventAgainAfterACrashPostsNoSecondNotice() throws Exception {
    String room = bridgedRoomWithBot();
    turnEncryptionOn(room, 604_800_000);
    hs.get().awaitEvent(room, bot, e -> isEncryptionNotice(e), WAIT);
    await().atMost(WAIT).until(() -> told(room));

    // The crash: the event's done mark was lost, and (worse) so was the record that the room was told.
    bridge.close();
    bridge = null;
    try (Database db = Database.open(jdbcUrl(), null, null, List.of())) {
      db.inTransaction(c -> {
        long seq;
        try (var s = c.prepareStatement("SELECT seq FROM inbox_event"
            + " WHERE body LIKE '%m.room.encryption%' AND room_id = ?")) {
          s.setString(1, room);
          var rs = s.executeQuery();
          assertThat(rs.next()).isTrue();
          seq = rs.getLong(1);
          assertThat(rs.next()).isFalse();
        }
        // Undone: the watermark just before it, every later entry done out of order (migration V9).
        try (var s = c.prepareStatement("INSERT INTO inbox_done_early (seq) SELECT seq FROM inbox_event WHERE seq > ?"
            + " ON CONFLICT DO NOTHING")) {
          s.setLong(1, seq);
          s.executeUpdate();
        }
        try (var s = c.prepareStatement("UPDATE inbox_progress SET done_through = ?")) {
          s.setLong(1, seq - 1);
          assertThat(s.executeUpdate()).isEqualTo(1);
        }
        try (var s = c.prepareStatement("UPDATE encrypted_room SET told_at = NULL WHERE room_id = ?")) {
          s.setString(1, room);
          return s.executeUpdate();
        }
      });
    }
    bridge = startBridge(port);

    await().atMost(WAIT).until(() -> told(room)); // the event ran again and the notice was sent again
    assertThat(notices(room, bot)).filteredOn(this::isEncryptionNotice).as("the homeserver posted it once")
        .hasSize(1);
  }

  @Test
  void inADmTheGhostTellsTheSenderOnceThatEncryptedMessagesAreNotBridged() throws Exception {
    bridge.intents().ghost(UserId.of(ghost)).ensureRegistered().join(); // a contact the bridge already knows
    String room = alice.createRoom();
    alice.invite(room, ghost);
    await().atMost(WAIT).until(() -> "join".equals(hs.get().members(room).get(ghost))
        && !bridge.portals().linksOf(RoomId.of(room)).isEmpty());

    sendEncrypted(room);
    sendEncrypted(room);
    JsonNode first = hs.get().awaitEvent(room, ghost, e -> body(e).contains("this message is encrypted"), WAIT);
    alice.send(room, "plain again");
    await().atMost(WAIT).until(() -> connector.received.contains("m.room.message plain again"));

    assertThat(body(first)).startsWith(alice.userId() + ": this message is encrypted, and this bridge cannot read "
        + "encrypted messages yet");
    assertThat(notices(room, ghost)).as("throttled: one a day per room and sender").hasSize(1);
    assertThat(connector.received).as("the connector was given nothing it could not read")
        .containsExactly("m.room.message plain again");
    assertThat(hs.get().members(room)).doesNotContainKey(bot);

    turnEncryptionOn(room, 604_800_000);
    hs.get().awaitEvent(room, ghost, e -> isEncryptionNotice(e), WAIT);
  }

  @Test
  void theBridgeNeverCreatesAnEncryptedRoom() {
    ObjectNode request = JSON.createObjectNode().put("preset", "private_chat");
    request.putArray("initial_state").addObject().put("type", "m.room.encryption").put("state_key", "")
        .putObject("content").put("algorithm", "m.megolm.v1.aes-sha2");

    assertThat(bridge.intents().bot().createRoom(request)).failsWithin(WAIT)
        .withThrowableThat().withMessageContaining("never creates an encrypted room");
    assertThat(hs.get().requests("POST", ".*/createRoom")).isEmpty();
  }

  @Test
  void encryptionTheHomeserverTurnedOnInARoomTheBridgeCreatedWarnsTheAdminAndTellsTheRoom() throws Exception {
    try (LogCapture log = new LogCapture(EncryptedRooms.class)) {
      RoomId room = bridge.intents().bot().createRoom(JSON.createObjectNode().put("preset", "private_chat")).join();
      // What Synapse does with encryption_enabled_by_default_for_room_type: the creator's m.room.encryption.
      bridge.intents().bot().sendState(room, "m.room.encryption", "",
          JSON.createObjectNode().put("algorithm", "m.megolm.v1.aes-sha2")).join();

      hs.get().awaitEvent(room.value(), bot, e -> isEncryptionNotice(e), WAIT);
      await().atMost(WAIT).until(() -> !log.lines(Level.WARN).isEmpty());
      assertThat(log.lines(Level.WARN)).singleElement().asString()
          .contains(room.value(), "encryption_enabled_by_default_for_room_type");
    }
  }

  private String bridgedRoomWithBot() {
    String room = alice.createRoom();
    alice.invite(room, bot);
    bridge.intents().bot().ensureJoined(RoomId.of(room)).join();
    bridge.portals().createPlumbedRoom(RoomId.of(room), List.of(new Link(RoomId.of(room), "dm", "test/#a", true)));
    return room;
  }

  private void turnEncryptionOn(String room, long rotationMs) {
    alice.sendState(room, "m.room.encryption", "", JSON.createObjectNode().put("algorithm", "m.megolm.v1.aes-sha2")
        .put("rotation_period_ms", rotationMs).put("rotation_period_msgs", 100));
  }

  private void sendEncrypted(String room) {
    alice.sendEvent(room, "m.room.encrypted", JSON.createObjectNode().put("algorithm", "m.megolm.v1.aes-sha2")
        .put("ciphertext", "AwgAEnACgAkLmt6qF84IK++J7UDH2Za1YVchHyprqTqsg").put("device_id", "RJYKSTBOIE")
        .put("sender_key", "IlRMeOPX2e0MurIyfWEucYBRVOEEUMrOHqn/8mLqMjA")
        .put("session_id", "X3lUlvLELLYxeTx4yOVu6UDpasGEVO0Jbu+QFnm0cKQ"));
  }

  private boolean isEncryptionNotice(JsonNode event) {
    return body(event).equals(EncryptedRooms.NOTICE);
  }

  private static String body(JsonNode event) {
    return event.path("content").path("body").asText();
  }

  private List<JsonNode> notices(String room, String sender) {
    return hs.get().timeline(room).stream()
        .filter(e -> e.path("sender").asText().equals(sender))
        .filter(e -> e.path("content").path("msgtype").asText().equals("m.notice"))
        .toList();
  }

  private boolean told(String room) {
    return bridge.database().inTransaction(c -> {
      try (var s = c.prepareStatement("SELECT told_at FROM encrypted_room WHERE room_id = ?")) {
        s.setString(1, room);
        try (var rows = s.executeQuery()) {
          return rows.next() && rows.getObject("told_at") != null;
        }
      }
    });
  }

  /** {@code !status} in alice's admin room with the bot, as alice (an admin) sees it. */
  private String status() {
    String adminRoom = alice.createRoom();
    alice.invite(adminRoom, bot);
    await().atMost(WAIT).until(() -> "join".equals(hs.get().members(adminRoom).get(bot)));
    alice.send(adminRoom, "!status");
    return body(hs.get().awaitEvent(adminRoom, bot, e -> body(e).startsWith("Bridge: "), WAIT));
  }
}
