package dev.switchboard.core.command;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.core.connector.Link;
import dev.switchboard.core.event.MatrixEvent;
import dev.switchboard.core.event.MatrixEvents;
import dev.switchboard.core.homeserver.Intent;
import dev.switchboard.core.homeserver.Intents;
import dev.switchboard.core.id.EventId;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.permission.Level;
import dev.switchboard.core.permission.Permissions;
import dev.switchboard.core.store.Database;
import dev.switchboard.core.store.KvStore;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which events the bot takes, and what it does with them, without a homeserver. */
class AdminRoomsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final UserId BOT = UserId.of("@bot:example.org");
  private static final RoomId DM = RoomId.of("!dm:example.org");
  private static final RoomId PORTAL = RoomId.of("!portal:example.org");
  private static final List<Link> PORTAL_LINKS = List.of(new Link(PORTAL, "irc", "net/#c", false));

  @TempDir
  Path dir;

  private Database database;
  private AdminRooms rooms;
  /** "method room [body]" for every call on the bot's intent. */
  private final List<String> botCalls = new CopyOnWriteArrayList<>();

  @BeforeEach
  void setUp() {
    database = Database.open("jdbc:sqlite:" + dir.resolve("a.db"), null, null, List.of());
    Intent bot = (Intent) Proxy.newProxyInstance(Intent.class.getClassLoader(), new Class<?>[] {Intent.class},
        (proxy, method, args) -> {
          switch (method.getName()) {
            case "userId":
              return BOT;
            case "sendMessage":
              botCalls.add("send " + args[0] + " " + ((JsonNode) args[1]).path("body").asText());
              return CompletableFuture.completedFuture(EventId.of("$reply"));
            default:
              botCalls.add(method.getName() + " " + (args == null ? "" : args[0]));
              return CompletableFuture.completedFuture(null);
          }
        });
    Intents intents = new Intents() {
      @Override
      public Intent bot() {
        return bot;
      }

      @Override
      public Intent ghost(UserId ghost) {
        throw new UnsupportedOperationException();
      }
    };
    CommandRegistry registry = new CommandRegistry();
    Permissions permissions = Permissions.defaults("example.org");
    CommandDispatcher dispatcher = new CommandDispatcher(registry, permissions);
    registry.register("irc", Command.of("ping", "", "answers pong", Level.RELAY,
        call -> CompletableFuture.completedFuture("pong")));
    rooms = new AdminRooms(BOT, intents, new KvStore(database, Clock.systemUTC()), permissions, dispatcher,
        u -> u.localpart().startsWith("_irc_"), Runnable::run);
  }

  @AfterEach
  void tearDown() {
    database.close();
  }

  private static MatrixEvent event(String json) throws Exception {
    return MatrixEvents.fromJson(JSON.readTree(json));
  }

  private static MatrixEvent message(RoomId room, String sender, String body) throws Exception {
    return event("""
        {"event_id":"$m%s","room_id":"%s","sender":"%s","type":"m.room.message","origin_server_ts":1,
         "content":{"msgtype":"m.text","body":"%s"}}""".formatted(Math.abs(body.hashCode()), room.value(), sender,
        body));
  }

  private static MatrixEvent invite(String sender) throws Exception {
    return event("""
        {"event_id":"$inv","room_id":"%s","sender":"%s","type":"m.room.member","state_key":"%s",
         "origin_server_ts":1,"content":{"membership":"invite","is_direct":true}}"""
        .formatted(DM.value(), sender, BOT.value()));
  }

  @Test
  void anInviteFromAKnownUserMakesAnAdminRoomThatAnswersCommands() throws Exception {
    MatrixEvent inv = invite("@alice:example.org");
    assertThat(rooms.claims(inv, List.of())).isTrue();
    assertThat(rooms.claims(message(DM, "@alice:example.org", "!irc ping"), List.of())).isFalse();

    rooms.handle(inv, List.of()).join();
    assertThat(botCalls).first().isEqualTo("ensureJoined " + DM.value());
    assertThat(rooms.isAdminRoom(DM)).isTrue();

    MatrixEvent ping = message(DM, "@alice:example.org", "irc ping");
    assertThat(rooms.claims(ping, List.of())).isTrue();
    rooms.handle(ping, List.of()).join();
    assertThat(botCalls).last().isEqualTo("send " + DM.value() + " pong");
  }

  @Test
  void anInviteFromSomeoneWithoutALevelIsDeclined() throws Exception {
    rooms.handle(invite("@mallory:evil.example"), List.of()).join();
    assertThat(botCalls).containsExactly("leave " + DM.value());
    assertThat(rooms.isAdminRoom(DM)).isFalse();
  }

  @Test
  void remoteUsersWordsAreNeverCommands() throws Exception {
    // An IRC user typing "!irc ping" reaches Matrix through a ghost on our own domain, which has level user.
    assertThat(rooms.claims(message(PORTAL, "@_irc_net_eve:example.org", "!irc ping"), PORTAL_LINKS)).isFalse();
    assertThat(rooms.claims(invite("@_irc_net_eve:example.org"), List.of())).isFalse();
    assertThat(rooms.claims(message(PORTAL, "@alice:example.org", "!irc ping"), PORTAL_LINKS)).isTrue();
    assertThat(rooms.claims(message(PORTAL, "@alice:example.org", "hello !irc ping"), PORTAL_LINKS)).isFalse();
  }

  @Test
  void theBotLeavingForgetsTheAdminRoom() throws Exception {
    rooms.handle(invite("@alice:example.org"), List.of()).join();
    MatrixEvent kicked = event("""
        {"event_id":"$kick","room_id":"%s","sender":"@alice:example.org","type":"m.room.member","state_key":"%s",
         "origin_server_ts":2,"content":{"membership":"leave"}}""".formatted(DM.value(), BOT.value()));
    rooms.handle(kicked, List.of()).join();
    assertThat(rooms.isAdminRoom(DM)).isFalse();
    assertThat(new KvStore(database, Clock.systemUTC()).get("admin_room/" + DM.value())).isEmpty();
  }
}
