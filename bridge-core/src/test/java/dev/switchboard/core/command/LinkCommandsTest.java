package dev.switchboard.core.command;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.switchboard.core.RecordingConnector;
import dev.switchboard.core.connector.Connectors;
import dev.switchboard.core.connector.Link;
import dev.switchboard.core.connector.LinkCapable;
import dev.switchboard.core.homeserver.Intent;
import dev.switchboard.core.id.EventId;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.permission.Permissions;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code !link} / {@code !unlink}: bridge admins who moderate the room add and remove links through LinkCapable. */
class LinkCommandsTest {
  private static final RoomId ROOM = RoomId.of("!room:example.org");
  private static final Link IRC_LINK = new Link(ROOM, "irc", "libera/#java", false);
  /** A room version 12 room (no server name in its id) that @ops:example.org created. */
  private static final RoomId V12_ROOM = RoomId.of("!Hm8pVx3q_createhash");
  private static final UserId ADMIN_MOD = UserId.of("@root:example.org");
  private static final UserId ADMIN_NOT_MOD = UserId.of("@ops:example.org");
  private static final UserId USER_MOD = UserId.of("@alice:example.org");

  /** A connector that links MUC addresses with an '@' and records what it was asked. */
  static final class LinkingConnector extends RecordingConnector implements LinkCapable {
    final List<String> linked = new CopyOnWriteArrayList<>();
    final List<Link> unlinked = new CopyOnWriteArrayList<>();

    LinkingConnector() {
      super("xmpp", "example.org");
    }

    @Override
    public String normaliseRemoteRoom(String remoteRoom) throws LinkException {
      if (!remoteRoom.contains("@")) {
        throw new LinkException("M_INVALID_PARAM", "'" + remoteRoom + "' is not a MUC address");
      }
      return remoteRoom.toLowerCase(java.util.Locale.ROOT);
    }

    @Override
    public CompletableFuture<Link> link(RoomId room, String remoteRoom, UserId requester) {
      if (remoteRoom.startsWith("taken@")) {
        return CompletableFuture.failedFuture(new LinkException("M_ROOM_IN_USE", "that MUC is linked elsewhere"));
      }
      linked.add(room.value() + " " + remoteRoom + " by " + requester.value());
      return CompletableFuture.completedFuture(new Link(room, "xmpp", remoteRoom, true));
    }

    @Override
    public CompletableFuture<Void> unlink(Link link) {
      unlinked.add(link);
      return CompletableFuture.completedFuture(null);
    }
  }

  private final LinkingConnector xmpp = new LinkingConnector();
  private CommandDispatcher dispatcher;

  @BeforeEach
  void setUp() throws Exception {
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
    Permissions permissions = Permissions.fromConfig(yaml.readTree("""
        "@root:example.org": admin
        "@ops:example.org": admin
        "example.org": user
        """), "example.org");
    JsonNode powerLevels = new ObjectMapper().readTree("""
        {"users":{"@root:example.org":100,"@alice:example.org":50},"users_default":0,"state_default":50}""");
    Intent bot = (Intent) Proxy.newProxyInstance(Intent.class.getClassLoader(), new Class<?>[] {Intent.class},
        (proxy, method, args) -> switch (method.getName()) {
          case "getState" -> args[1].equals("m.room.power_levels") && (args[0].equals(ROOM) || args[0].equals(V12_ROOM))
              ? CompletableFuture.completedFuture(powerLevels)
              : args[1].equals("m.room.create") ? CompletableFuture.completedFuture(new ObjectMapper().createObjectNode()
                  .put("room_version", args[0].equals(V12_ROOM) ? "12" : "10"))
              : CompletableFuture.failedFuture(new IllegalStateException("M_NOT_FOUND"));
          case "getEvent" -> args[0].equals(V12_ROOM) && args[1].equals(EventId.of("$Hm8pVx3q_createhash"))
              ? CompletableFuture.completedFuture(new ObjectMapper().createObjectNode().put("type", "m.room.create")
                  .put("sender", ADMIN_NOT_MOD.value()))
              : CompletableFuture.failedFuture(new IllegalStateException("M_NOT_FOUND"));
          case "userId" -> UserId.of("@bot:example.org");
          default -> throw new UnsupportedOperationException(method.getName());
        });
    CommandRegistry registry = new CommandRegistry();
    dispatcher = new CommandDispatcher(registry, permissions);
    new LinkCommands(new Connectors(List.of(new RecordingConnector("irc", "example.org"), xmpp)), bot)
        .register(registry);
  }

  private String run(String body, UserId sender, Scope scope, List<Link> links) {
    return dispatcher.run(body, sender, ROOM, scope, links, EventId.of("$cmd")).join();
  }

  @Test
  void aBridgeAdminWhoModeratesTheRoomAddsASecondLinkInABridgedRoom() {
    assertThat(dispatcher.isBridgedRoomCommand("!link xmpp dev@muc.example.org")).isTrue();

    String reply = run("!link xmpp Dev@muc.example.org", ADMIN_MOD, Scope.BRIDGED_ROOM, List.of(IRC_LINK));

    assertThat(reply).startsWith("Linked this room to xmpp dev@muc.example.org");
    assertThat(xmpp.linked).containsExactly("!room:example.org dev@muc.example.org by @root:example.org");
  }

  @Test
  void linkWorksInARoomWithoutLinksTooAsTheFirstLink() {
    assertThat(run("!link xmpp dev@muc.example.org", ADMIN_MOD, Scope.ADMIN_ROOM, List.of()))
        .startsWith("Linked this room");
  }

  @Test
  void aBridgeAdminWhoIsNotARoomModeratorIsRefused() {
    String reply = run("!link xmpp dev@muc.example.org", ADMIN_NOT_MOD, Scope.BRIDGED_ROOM, List.of(IRC_LINK));

    assertThat(reply).contains("only room moderators").contains("you have 0");
    assertThat(xmpp.linked).isEmpty();
  }

  @Test
  void inARoomOfVersion12ItsCreatorModeratesThoughThePowerLevelsDoNotNameThem() {
    String reply = dispatcher.run("!link xmpp dev@muc.example.org", ADMIN_NOT_MOD, V12_ROOM, Scope.ADMIN_ROOM,
        List.of(), EventId.of("$cmd")).join();

    assertThat(reply).startsWith("Linked this room");
    assertThat(xmpp.linked).containsExactly(V12_ROOM.value() + " dev@muc.example.org by @ops:example.org");
    assertThat(run("!link xmpp dev@muc.example.org", ADMIN_NOT_MOD, Scope.ADMIN_ROOM, List.of()))
        .as("in a version 10 room the creator has only what the power levels give").contains("only room moderators");
  }

  @Test
  void aRoomModeratorWhoIsNotABridgeAdminIsRefused() {
    String reply = run("!link xmpp dev@muc.example.org", USER_MOD, Scope.BRIDGED_ROOM, List.of(IRC_LINK));

    assertThat(reply).contains("not allowed").contains("admin");
    assertThat(xmpp.linked).isEmpty();
  }

  @Test
  void badRemoteRoomsUnknownConnectorsAndRefusalsAreExplained() {
    assertThat(run("!link xmpp nothing-here", ADMIN_MOD, Scope.BRIDGED_ROOM, List.of()))
        .contains("'nothing-here' is not a MUC address");
    assertThat(run("!link sip 123", ADMIN_MOD, Scope.ADMIN_ROOM, List.of()))
        .contains("no connector 'sip' is enabled");
    assertThat(run("!link irc libera/#x", ADMIN_MOD, Scope.ADMIN_ROOM, List.of()))
        .contains("the irc connector cannot link existing rooms");
    assertThat(run("!link xmpp taken@muc.example.org", ADMIN_MOD, Scope.ADMIN_ROOM, List.of()))
        .contains("that MUC is linked elsewhere (M_ROOM_IN_USE)");
  }

  @Test
  void oneLinkPerConnectorAndARepeatIsHarmless() {
    Link existing = new Link(ROOM, "xmpp", "dev@muc.example.org", true);

    assertThat(run("!link xmpp other@muc.example.org", ADMIN_MOD, Scope.BRIDGED_ROOM, List.of(existing)))
        .contains("already linked to xmpp dev@muc.example.org").contains("!unlink xmpp");
    assertThat(run("!link xmpp dev@muc.example.org", ADMIN_MOD, Scope.BRIDGED_ROOM, List.of(existing)))
        .contains("already linked");
    assertThat(xmpp.linked).isEmpty();
  }

  @Test
  void unlinkRemovesOnlyThatConnectorsLink() {
    Link mucLink = new Link(ROOM, "xmpp", "dev@muc.example.org", true);

    assertThat(run("!unlink xmpp", ADMIN_MOD, Scope.BRIDGED_ROOM, List.of(IRC_LINK, mucLink)))
        .startsWith("Unlinked xmpp dev@muc.example.org");
    assertThat(xmpp.unlinked).containsExactly(mucLink);
    assertThat(run("!unlink xmpp", ADMIN_NOT_MOD, Scope.BRIDGED_ROOM, List.of(IRC_LINK, mucLink)))
        .contains("only room moderators");
    assertThat(run("!unlink xmpp", ADMIN_MOD, Scope.BRIDGED_ROOM, List.of(IRC_LINK)))
        .contains("this room has no link to xmpp");
  }

  @Test
  void otherCoreCommandsStayOutOfBridgedRooms() {
    assertThat(dispatcher.isBridgedRoomCommand("!help")).isFalse();
    assertThat(dispatcher.isBridgedRoomCommand("!linkage")).isFalse();
  }
}
