package dev.switchboard.core.command;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.switchboard.core.connector.Link;
import dev.switchboard.core.id.EventId;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.permission.Level;
import dev.switchboard.core.permission.Permissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CommandDispatcherTest {
  private static final RoomId ROOM = RoomId.of("!room:example.org");
  private static final List<Link> IRC_LINK = List.of(new Link(ROOM, "irc", "libera/#java", false));
  private static final UserId ADMIN = UserId.of("@root:example.org");
  private static final UserId USER = UserId.of("@alice:example.org");
  private static final UserId RELAY = UserId.of("@guest:other.org");
  private static final UserId STRANGER = UserId.of("@x:evil.example");

  private final List<Map<String, String>> joins = new CopyOnWriteArrayList<>();
  private CommandDispatcher dispatcher;

  @BeforeEach
  void setUp() throws Exception {
    Permissions permissions = Permissions.fromConfig(new ObjectMapper(new YAMLFactory()).readTree("""
        "@root:example.org": admin
        "other.org": relay
        """), "example.org");
    CommandRegistry registry = new CommandRegistry();
    dispatcher = new CommandDispatcher(registry, permissions);
    registry.register(CommandRegistry.CORE, Command.of("help", "", "list commands", Level.RELAY,
        call -> CompletableFuture.completedFuture(dispatcher.help(call.level(), call.scope(),
            java.util.Optional.empty()))).onlyIn(Scope.ADMIN_ROOM));
    registry.register("irc", Command.of("join", "<channel> [key]", "join a channel", Level.USER, call -> {
      joins.add(call.arguments());
      return CompletableFuture.completedFuture("joined " + call.arg("channel"));
    }));
    registry.register("irc", Command.of("plumb", "<network> <channel>", "link this room", Level.ADMIN,
        call -> CompletableFuture.completedFuture("plumbed")).onlyIn(Scope.BRIDGED_ROOM));
    registry.register("irc", Command.of("say", "<text...>", "say something", Level.RELAY,
        call -> CompletableFuture.completedFuture("said " + call.arg("text"))));
    registry.register("irc", Command.of("boom", "", "fails", Level.RELAY,
        call -> CompletableFuture.failedFuture(new IllegalStateException("secret internal detail"))));
    registry.register("irc", Command.of("null", "", "broken handler", Level.RELAY, call -> null));
    registry.register("irc", Command.of("bad", "", "user error", Level.RELAY,
        call -> CompletableFuture.failedFuture(new IllegalArgumentException("no such network 'x'"))));
  }

  private String admin(UserId who, String body) {
    return dispatcher.run(body, who, ROOM, Scope.ADMIN_ROOM, List.of(), EventId.of("$e")).join();
  }

  private String bridged(UserId who, String body) {
    return dispatcher.run(body, who, ROOM, Scope.BRIDGED_ROOM, IRC_LINK, EventId.of("$e")).join();
  }

  @Test
  void helpListsOnlyWhatTheCallerMayUseHere() {
    String forUser = admin(USER, "!help");
    assertThat(forUser).contains("!help", "!irc join <channel> [key] — join a channel", "!irc say <text...>")
        .doesNotContain("plumb");
    String forRelay = admin(RELAY, "help");
    assertThat(forRelay).contains("!help", "!irc say").doesNotContain("join");
    assertThat(bridged(ADMIN, "!irc help")).contains("!irc plumb <network> <channel>", "!irc join")
        .doesNotContain("!help —");
    assertThat(bridged(USER, "!irc")).contains("!irc join").doesNotContain("plumb");
  }

  @Test
  void argumentsAreBoundByTheSyntaxAndQuotesHonoured() {
    assertThat(admin(USER, "!irc join #java")).isEqualTo("joined #java");
    assertThat(admin(USER, "irc JOIN \"#with space\" 'k e y'")).isEqualTo("joined #with space");
    assertThat(joins.get(1)).containsEntry("key", "k e y");
    assertThat(admin(RELAY, "!irc say hello   there \"you\"")).isEqualTo("said hello there you");
  }

  @Test
  void wrongArgumentsGetTheUsageLine() {
    assertThat(admin(USER, "!irc join")).isEqualTo("Usage: !irc join <channel> [key]");
    assertThat(admin(USER, "!irc join a b c")).isEqualTo("Usage: !irc join <channel> [key]");
    assertThat(joins).isEmpty();
  }

  @Test
  void unknownCommandsAndForbiddenOnesGetAClearReply() {
    assertThat(admin(USER, "!frobnicate")).isEqualTo("Unknown command !frobnicate. Send !help for the commands "
        + "you can use.");
    assertThat(bridged(USER, "!irc nope")).contains("Unknown command !irc nope", "!irc help");
    assertThat(bridged(USER, "!irc plumb libera #java"))
        .isEqualTo("You are not allowed to use !irc plumb: it needs level admin, you have user.");
    assertThat(admin(ADMIN, "!irc plumb libera #java")).isEqualTo("!irc plumb can only be used in a bridged room.");
    assertThat(admin(STRANGER, "!help")).contains("not allowed to use this bridge");
    assertThat(bridged(ADMIN, "!irc plumb libera #java")).isEqualTo("plumbed");
  }

  @Test
  void failuresAreExplainedWithoutLeakingInternals() {
    assertThat(admin(USER, "!irc boom")).contains("internal error").doesNotContain("secret");
    assertThat(admin(USER, "!irc null")).contains("internal error");
    assertThat(admin(USER, "!irc bad")).isEqualTo("!irc bad: no such network 'x'");
  }

  @Test
  void hostileInputGetsAReasonNotACommand() {
    assertThat(admin(USER, "!irc join \"#a\r\nQUIT\"")).startsWith("Cannot read that command:")
        .contains("control characters");
    assertThat(admin(USER, "!irc join \"#unclosed")).contains("quote is not closed");
    assertThat(admin(USER, "!irc join " + "#".repeat(100_000))).contains("too long");
    String longName = "!" + "x".repeat(500);
    assertThat(admin(USER, longName)).hasSizeLessThan(200).contains("…");
    assertThat(admin(USER, "!ünïcödé😀")).contains("Unknown command !ünïcödé😀");
    assertThat(joins).isEmpty();
  }

  @Test
  void inBridgedRoomsOnlyProtocolCommandsAreCommands() {
    assertThat(dispatcher.isBridgedRoomCommand("!irc join #x")).isTrue();
    assertThat(dispatcher.isBridgedRoomCommand("  !IRC")).isTrue();
    assertThat(dispatcher.isBridgedRoomCommand("!ircx join")).isFalse();
    assertThat(dispatcher.isBridgedRoomCommand("!help")).isFalse();
    assertThat(dispatcher.isBridgedRoomCommand("hello !irc")).isFalse();
    assertThat(bridged(USER, "!help")).isEmpty();
  }
}
