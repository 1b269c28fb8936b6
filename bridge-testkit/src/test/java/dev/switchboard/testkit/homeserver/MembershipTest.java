package dev.switchboard.testkit.homeserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.testkit.spec.SpecSchemas;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MembershipTest {
  private static SpecSchemas spec;
  private TestHomeserver hs;

  @BeforeAll
  static void loadSpec() {
    spec = SpecSchemas.load();
  }

  @BeforeEach
  void start() {
    hs = TestHomeserver.start(Options.defaults(), spec);
  }

  @AfterEach
  void stop() {
    hs.close();
  }

  @Test
  void joiningAnInviteOnlyRoomWithoutInviteIsForbidden() {
    String room = hs.user("alice").createRoom();

    assertThatThrownBy(() -> hs.user("bob").join(room))
        .isInstanceOfSatisfying(MatrixException.class, e -> {
          assertThat(e.status()).isEqualTo(403);
          assertThat(e.errcode()).isEqualTo("M_FORBIDDEN");
        });
    assertThat(hs.members(room)).doesNotContainKey(hs.user("bob").userId());
  }

  @Test
  void anInvitedUserCanJoinAnInviteOnlyRoom() {
    TestUser alice = hs.user("alice");
    TestUser bob = hs.user("bob");
    String room = alice.createRoom();

    alice.invite(room, bob.userId());
    bob.join(room);

    assertThat(hs.members(room)).containsEntry(bob.userId(), "join");
  }

  @Test
  void anyoneCanJoinAPublicRoomByItsAlias() {
    String room = hs.user("alice").createRoom(RoomSpec.publicRoom().alias("lobby").name("Lobby"));

    assertThat(hs.user("bob").join("#lobby:test.local")).isEqualTo(room);
    assertThat(hs.roomStateEvent(room, "m.room.name", "").path("content").path("name").asText()).isEqualTo("Lobby");
  }

  @Test
  void aBannedUserCannotJoinEvenAPublicRoom() {
    TestUser alice = hs.user("alice");
    TestUser bob = hs.user("bob");
    String room = alice.createRoom(RoomSpec.publicRoom());
    bob.join(room);

    alice.ban(room, bob.userId(), "spam");

    assertThat(hs.members(room)).containsEntry(bob.userId(), "ban");
    assertThatThrownBy(() -> bob.join(room)).hasMessageContaining("M_FORBIDDEN");
    alice.unban(room, bob.userId());
    bob.join(room);
    assertThat(hs.members(room)).containsEntry(bob.userId(), "join");
  }

  @Test
  void kickingNeedsTheKickLevelAndAHigherLevelThanTheTarget() {
    TestUser alice = hs.user("alice");
    TestUser bob = hs.user("bob");
    TestUser carol = hs.user("carol");
    String room = alice.createRoom(RoomSpec.publicRoom());
    bob.join(room);
    carol.join(room);

    assertThatThrownBy(() -> bob.kick(room, carol.userId(), null)).hasMessageContaining("M_FORBIDDEN");
    alice.setPowerLevel(room, bob.userId(), 50);
    alice.setPowerLevel(room, carol.userId(), 50);
    assertThatThrownBy(() -> bob.kick(room, carol.userId(), null)).hasMessageContaining("M_FORBIDDEN");

    alice.kick(room, carol.userId(), "bye");

    assertThat(hs.members(room)).containsEntry(carol.userId(), "leave");
  }

  @Test
  void sendingIntoARoomOneHasNotJoinedIsForbidden() {
    String room = hs.user("alice").createRoom(RoomSpec.publicRoom());

    assertThatThrownBy(() -> hs.user("bob").send(room, "hi")).hasMessageContaining("M_FORBIDDEN");
  }

  @Test
  void stateNeedsTheStateLevel() {
    TestUser alice = hs.user("alice");
    TestUser bob = hs.user("bob");
    String room = alice.createRoom(RoomSpec.publicRoom());
    bob.join(room);
    var topic = MatrixHttp.JSON.createObjectNode().put("topic", "new");

    assertThatThrownBy(() -> bob.sendState(room, "m.room.topic", "", topic)).hasMessageContaining("M_FORBIDDEN");
    alice.sendState(room, "m.room.topic", "", topic);

    assertThat(hs.roomStateEvent(room, "m.room.topic", "").path("content").path("topic").asText()).isEqualTo("new");
  }

  @Test
  void aDisplayNameChangeIsAMemberEventInEveryJoinedRoom() {
    TestUser alice = hs.user("alice");
    String room = alice.createRoom();

    alice.setDisplayName("Alice A.");

    var event = hs.awaitEvent(room, alice.userId(), e -> e.path("type").asText().equals("m.room.member")
        && "Alice A.".equals(e.path("content").path("displayname").asText()), java.time.Duration.ofSeconds(1));
    assertThat(event.path("unsigned").path("prev_content").path("displayname").asText()).isEqualTo("alice");
  }
}
