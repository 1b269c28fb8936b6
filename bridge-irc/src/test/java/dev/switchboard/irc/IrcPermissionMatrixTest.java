package dev.switchboard.irc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.permission.Permissions;
import dev.switchboard.testkit.fixture.Fixture;
import dev.switchboard.testkit.fixture.HomeserverFixture;
import dev.switchboard.testkit.fixture.IrcServerFixture;
import dev.switchboard.testkit.homeserver.RoomSpec;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.testkit.irc.IrcTestUser;
import dev.switchboard.testkit.irc.NgircdServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16: what each permission level may do on IRC, end to end against ngircd. Levels: {@code @adam} admin,
 * {@code @bob} user (the own domain's default), {@code @rita} relay, {@code @nora} none; {@code @fred:relayed.org}
 * from a federated server set to relay, {@code @mallory:evil.org} from a federated server nobody listed (none).
 */
class IrcPermissionMatrixTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String ALIAS = "#_irc_test_#room:test.local";
  private static final String BOT = "@switchboard:test.local";

  @TempDir
  Path dir;
  @RegisterExtension
  final IrcServerFixture<NgircdServer> ircd = IrcServerFixture.ngircd();
  @RegisterExtension
  final HomeserverFixture hs = IrcBridgeHarness.homeserver();
  @RegisterExtension
  final Fixture<IrcBridgeHarness> bridge = Fixture.of(() -> new IrcBridgeHarness(hs.get(), dir,
      ircd.get().host(), ircd.get().port(), n -> { }, s -> { }, permissions()));
  private IrcTestUser alice;
  private TestUser adam;
  private TestUser bob;
  private TestUser rita;
  private TestUser nora;
  private TestUser fred;
  private TestUser mallory;

  @BeforeEach
  void start() throws Exception {
    alice = IrcTestUser.connect(ircd.get(), "alice"); // first in the channels: their operator
    alice.join("#room");
    adam = hs.get().user("adam");
    bob = hs.get().user("bob");
    rita = hs.get().user("rita");
    rita.setDisplayName("Rita");
    nora = hs.get().user("nora");
    fred = hs.get().remoteUser("fred", "relayed.org");
    mallory = hs.get().remoteUser("mallory", "evil.org");
  }

  @AfterEach
  void stop() {
    alice.close();
  }

  private static Permissions permissions() {
    ObjectNode levels = JsonNodeFactory.instance.objectNode()
        .put("@adam:test.local", "admin").put("@rita:test.local", "relay").put("@nora:test.local", "none")
        .put("relayed.org", "relay");
    return Permissions.fromConfig(levels, "test.local");
  }

  private static String ghost(String nick) {
    return "@_irc_test_" + nick + ":test.local";
  }

  private static boolean bodyContains(JsonNode event, String text) {
    return event.path("content").path("body").asText().contains(text);
  }

  private static ObjectNode message(String msgtype, String body) {
    return JsonNodeFactory.instance.objectNode().put("msgtype", msgtype).put("body", body);
  }

  /** Sends {@code command} as alice and returns the first reply line with {@code numeric} that came after it. */
  private String ask(String command, String numeric) throws Exception {
    int before = alice.lines().size();
    alice.send(command);
    String[] found = new String[1];
    await().atMost(WAIT).until(() -> {
      List<String> lines = alice.lines();
      found[0] = lines.subList(before, lines.size()).stream().filter(l -> l.contains(" " + numeric + " "))
          .findFirst().orElse(null);
      return found[0] != null;
    });
    return found[0];
  }

  /** The nicks ngircd has in {@code channel}, without their status prefixes. */
  private List<String> nicksIn(String channel) throws Exception {
    String names = ask("NAMES " + channel, "353");
    return Arrays.stream(names.substring(names.indexOf(" :", names.indexOf(" 353 ")) + 2).trim().split(" "))
        .map(n -> n.replaceFirst("^[@+%~&]+", "")).sorted().toList();
  }

  /** How many clients are connected to ngircd (LUSERS). */
  private int clientsOnServer() throws Exception {
    String line = ask("LUSERS", "251");
    Matcher m = Pattern.compile("There are (\\d+) users").matcher(line);
    assertThat(m.find()).as(line).isTrue();
    return Integer.parseInt(m.group(1));
  }

  @Test
  void inAPortalUsersGetPuppetsRelayUsersAreSaidByTheBotAndNoneUsersReachNothing() throws Exception {
    String room = bob.join(ALIAS);
    for (TestUser u : List.of(adam, rita, nora, fred, mallory)) {
      u.join(room);
    }
    alice.awaitLine(l -> l.startsWith(":switchboard!") && l.contains(" JOIN "), WAIT);

    bob.send(room, "bob here");
    adam.send(room, "adam here");
    String ritas = rita.send(room, "rita here");
    rita.sendEvent(room, "m.room.message", message("m.emote", "waves"));
    ObjectNode edit = message("m.text", "* rita here, edited");
    edit.set("m.new_content", message("m.text", "rita here, edited"));
    edit.putObject("m.relates_to").put("rel_type", "m.replace").put("event_id", ritas);
    rita.sendEvent(room, "m.room.message", edit);
    fred.send(room, "fred here");
    nora.send(room, "nora here");
    mallory.send(room, "mallory here");
    ObjectNode reply = message("m.text", "> <@rita:test.local> rita here\n\nthanks rita");
    reply.putObject("m.relates_to").putObject("m.in_reply_to").put("event_id", ritas);
    bob.sendEvent(room, "m.room.message", reply);
    bob.send(room, "after everyone");
    alice.awaitMessage("bob", "#room", "after everyone", WAIT);
    alice.awaitMessage("switchboard", "#room", "<fred> fred here", WAIT); // the bot's flood control may hold it

    // Relay users' lines from the bot in the relay format, in their order; a reply to one names them.
    assertThat(alice.messagesTo("#room")).containsExactlyInAnyOrder(
        "bob: bob here",
        "adam: adam here",
        "switchboard: <Rita> rita here",
        "switchboard: * Rita waves",
        "switchboard: <Rita> * rita here, edited",
        "switchboard: <fred> fred here",
        "bob: Rita: thanks rita",
        "bob: after everyone");
    assertThat(alice.messagesTo("#room")).filteredOn(l -> l.startsWith("switchboard: ")).containsExactly(
        "switchboard: <Rita> rita here",
        "switchboard: * Rita waves",
        "switchboard: <Rita> * rita here, edited",
        "switchboard: <fred> fred here");
    assertThat(alice.lines()).noneMatch(l -> l.contains("nora") || l.contains("mallory"));
    // Connections: alice, the bot and the two puppets; nobody else joined the channel.
    assertThat(nicksIn("#room")).containsExactly("adam", "alice", "bob", "switchboard");
    assertThat(clientsOnServer()).isEqualTo(4);
    for (TestUser u : List.of(rita, fred, nora, mallory)) {
      assertThat(bridge.get().connector.puppetOf("test", UserId.of(u.userId()))).as(u.userId()).isEmpty();
    }
    // The Matrix room: none users are told why (once), relay users are not told anything.
    hs.get().awaitEvent(room, BOT, e -> bodyContains(e, "@nora:test.local: your messages are not bridged"), WAIT);
    hs.get().awaitEvent(room, BOT, e -> bodyContains(e, "@mallory:evil.org: your messages are not bridged"), WAIT);
    assertThat(hs.get().timeline(room)).filteredOn(e -> BOT.equals(e.path("sender").asText())
        && e.path("type").asText().equals("m.room.message")).hasSize(2);
  }

  @Test
  void aRelayUsersNoticesMediaLongMessagesReactionsAndRedactionsAreSaidByTheBot() throws Exception {
    String room = bob.join(ALIAS);
    rita.join(room);
    String bobs = bob.send(room, "bob here");
    alice.awaitMessage("bob", "#room", "bob here", WAIT);

    String notice = rita.sendEvent(room, "m.room.message", message("m.notice", "a notice"));
    rita.sendEvent(room, "m.room.message", message("m.image", "cat.png").put("url", "mxc://test.local/cat123"));
    String text = ("word ").repeat(120).strip();
    rita.send(room, text);
    ObjectNode reaction = JsonNodeFactory.instance.objectNode();
    reaction.putObject("m.relates_to").put("rel_type", "m.annotation").put("event_id", bobs).put("key", "👍");
    rita.sendEvent(room, "m.reaction", reaction);
    alice.awaitLine(l -> l.contains(" NOTICE #room :<Rita> a notice"), WAIT);
    rita.redact(room, notice, null); // once it is on IRC: redacted before it is pushed, the bridge gets no text

    alice.awaitLine(l -> l.contains(" NOTICE #room :<Rita> (deleted a message)"), WAIT);
    alice.awaitMessage("switchboard", "#room", "* Rita reacted 👍 to bob", WAIT);
    List<String> bots = alice.messagesTo("#room").stream().filter(l -> l.startsWith("switchboard: ")).toList();
    assertThat(bots.get(0)).startsWith("switchboard: <Rita> cat.png " + bridge.get().mediaUrl() + "/media/");
    // The long message: two lines, each with the name, together the text; then the reaction.
    assertThat(bots).hasSize(4);
    assertThat(bots.subList(1, 3)).allMatch(l -> l.startsWith("switchboard: <Rita> word"));
    assertThat(bots.get(1).substring("switchboard: <Rita> ".length()) + " "
        + bots.get(2).substring("switchboard: <Rita> ".length())).isEqualTo(text);
    assertThat(alice.lines()).filteredOn(l -> l.contains("<Rita> word")).allSatisfy(l ->
        assertThat(l.getBytes(java.nio.charset.StandardCharsets.UTF_8).length).isLessThan(510));
    assertThat(nicksIn("#room")).containsExactly("alice", "bob", "switchboard");
  }

  @Test
  void aPortalAnAliasQueryMadeWaitsForAUserBeforeTheBotJoinsTheChannel() throws Exception {
    alice.join("#quiet");
    // The homeserver asks for the alias without saying who asks: the room is made, the channel is not joined.
    String room = mallory.join("#_irc_test_#quiet:test.local");
    rita.join(room);
    rita.send(room, "anyone?");
    hs.get().awaitEvent(room, BOT, e -> bodyContains(e, "@rita:test.local: your message was not sent to IRC: nobody at "
        + "permission level user has joined this room yet"), WAIT);
    assertThat(nicksIn("#quiet")).containsExactly("alice");

    bob.join(room);
    alice.awaitLine(l -> l.startsWith(":switchboard!") && l.contains(" JOIN :#quiet"), WAIT);
    rita.send(room, "now?");
    alice.awaitMessage("switchboard", "#quiet", "<Rita> now?", WAIT);
    assertThat(alice.messagesTo("#quiet")).containsExactly("switchboard: <Rita> now?");
    assertThat(alice.lines()).noneMatch(l -> l.contains("anyone?") || l.contains("mallory"));
  }

  @Test
  void onlyUsersAndAdminsOpenDirectChatsRelayUsersAreToldWhyAndNoneUsersAreDeclined() throws Exception {
    // alice's ghost exists once she is in a portal (the testkit does not ask the bridge about unknown users).
    String portal = bob.join(ALIAS);
    await().atMost(WAIT).until(() -> "join".equals(hs.get().members(portal).get(ghost("alice"))));

    String bobsDm = bob.createRoom(RoomSpec.privateRoom().invite(ghost("alice")).direct());
    String adamsDm = adam.createRoom(RoomSpec.privateRoom().invite(ghost("alice")).direct());
    String ritasDm = rita.createRoom(RoomSpec.privateRoom().invite(ghost("alice")).direct());
    String fredsDm = fred.createRoom(RoomSpec.privateRoom().invite(ghost("alice")).direct());
    String malloryDm = mallory.createRoom(RoomSpec.privateRoom().invite(ghost("alice")).direct());
    String norasDm = nora.createRoom(RoomSpec.privateRoom().invite(ghost("alice")).direct());

    await().atMost(WAIT).until(() -> "join".equals(hs.get().members(bobsDm).get(ghost("alice")))
        && "join".equals(hs.get().members(adamsDm).get(ghost("alice"))));
    bob.send(bobsDm, "hello alice");
    adam.send(adamsDm, "hello from adam");
    alice.awaitMessage("bob", "alice", "hello alice", WAIT);
    alice.awaitMessage("adam", "alice", "hello from adam", WAIT);

    for (String dm : List.of(ritasDm, fredsDm)) {
      hs.get().awaitEvent(dm, ghost("alice"), e -> bodyContains(e, "You cannot open a direct chat with alice on IRC")
          && bodyContains(e, "(relay)"), WAIT);
      await().atMost(WAIT).until(() -> "leave".equals(hs.get().members(dm).get(ghost("alice"))));
    }
    for (String dm : List.of(malloryDm, norasDm)) {
      await().atMost(WAIT).until(() -> "leave".equals(hs.get().members(dm).get(ghost("alice"))));
      assertThat(hs.get().timeline(dm)).noneMatch(e -> ghost("alice").equals(e.path("sender").asText())
          && e.path("type").asText().equals("m.room.message"));
    }
    rita.send(ritasDm, "psst");
    bob.send(bobsDm, "second");
    alice.awaitMessage("bob", "alice", "second", WAIT);
    // Two users' direct chats are two lanes: their first lines may reach alice in either order.
    List<String> got = alice.messagesTo("alice");
    assertThat(got).hasSize(3).endsWith("bob: second");
    assertThat(got.subList(0, 2)).containsExactlyInAnyOrder("bob: hello alice", "adam: hello from adam");
    assertThat(nicksIn("#room")).containsExactly("alice", "bob", "switchboard");
    assertThat(clientsOnServer()).isEqualTo(4); // alice, the bot, bob's and adam's puppets
  }

  /** A room whose creator invited the bot: their admin room, where they can send commands. */
  private String adminRoomOf(TestUser user) {
    String room = user.createRoom(RoomSpec.publicRoom().name(user.userId() + "'s room"));
    user.invite(room, BOT);
    hs.get().awaitEvent(room, BOT, e -> bodyContains(e, "This is your Switchboard admin room"), WAIT);
    user.setPowerLevel(room, BOT, 100);
    return room;
  }

  @Test
  void onlyAdminsPlumbAndOnlyUsersBindAnIrcLogin() throws Exception {
    alice.join("#plumbed");
    String bobs = adminRoomOf(bob);
    String ritas = adminRoomOf(rita);

    bob.send(bobs, "!link irc test/#plumbed");
    rita.send(ritas, "!link irc test/#plumbed");
    rita.send(ritas, "!irc nick ritaa");
    hs.get().awaitEvent(bobs, BOT, e -> bodyContains(e, "You are not allowed to use !link: it needs level admin, you "
        + "have user."), WAIT);
    hs.get().awaitEvent(ritas, BOT, e -> bodyContains(e, "You are not allowed to use !link: it needs level admin, you "
        + "have relay."), WAIT);
    hs.get().awaitEvent(ritas, BOT, e -> bodyContains(e, "needs level user, you have relay."), WAIT);
    String norasRoom = nora.createRoom(RoomSpec.publicRoom());
    nora.invite(norasRoom, BOT);
    await().atMost(WAIT).until(() -> "leave".equals(hs.get().members(norasRoom).get(BOT)));

    String adams = adminRoomOf(adam);
    adam.send(adams, "!link irc test/#plumbed");
    alice.awaitLine(l -> IrcTestUser.command(l).equals("NOTICE") && l.contains("wants to bridge #plumbed"), WAIT);
    alice.say("switchboard", "yes");
    hs.get().awaitEvent(adams, BOT, e -> bodyContains(e, "Linked this room to"), WAIT);

    assertThat(hs.get().roomStateEvent(adams, "m.bridge", "dev.switchboard.irc://test/#plumbed")).isNotNull();
    assertThat(hs.get().roomStateEvent(bobs, "m.bridge", "dev.switchboard.irc://test/#plumbed")).isNull();
    assertThat(hs.get().roomStateEvent(ritas, "m.bridge", "dev.switchboard.irc://test/#plumbed")).isNull();
    assertThat(alice.lines()).filteredOn(l -> l.contains("wants to bridge")).hasSize(1)
        .allMatch(l -> l.contains("@adam:test.local"));
  }
}
