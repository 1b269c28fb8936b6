package dev.switchboard.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.store.GhostStore.Ghost;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

@ParameterizedClass(name = "{0}")
@EnumSource(Engine.class)
class GhostStoreTest {
  private static final Instant MONDAY = Instant.parse("2025-03-03T09:00:00Z");
  private static final Instant TUESDAY = Instant.parse("2025-03-04T09:00:00Z");
  private static final UserId ALICE = UserId.of("@_irc_libera_alice:example.org");
  private static final RoomId JAVA_ROOM = RoomId.of("!java:example.org");
  private static final RoomId RUST_ROOM = RoomId.of("!rust:example.org");

  @Parameter Engine engine;
  @TempDir Path tempDir;
  private Database database;

  @BeforeEach
  void open() {
    database = engine.openFresh(tempDir);
  }

  @AfterEach
  void close() {
    if (database != null) { // null when opening skipped or failed
      database.close();
    }
  }

  private GhostStore ghostsOn(Instant day) {
    return new GhostStore(database, Clock.fixed(day, ZoneOffset.UTC));
  }

  @Test
  void aNewGhostIsFoundByUserIdAndByRemoteUser() {
    GhostStore ghosts = ghostsOn(MONDAY);

    Ghost alice = ghosts.upsert(ALICE, "irc", "libera/alice", "alice", "mxc://example.org/alice");

    assertThat(alice).isEqualTo(new Ghost(ALICE, "irc", "libera/alice", Optional.of("alice"),
        Optional.of("mxc://example.org/alice"), false, MONDAY));
    assertThat(ghosts.find(ALICE)).contains(alice);
    assertThat(ghosts.find("irc", "libera/alice")).contains(alice);
    assertThat(ghosts.find("xmpp", "libera/alice")).isEmpty();
  }

  @Test
  void aProfileUpdateKeepsTheGhostRegistered() {
    ghostsOn(MONDAY).upsert(ALICE, "irc", "libera/alice", "alice", null);
    assertThat(ghostsOn(MONDAY).markRegistered(ALICE)).isTrue();

    Ghost updated = ghostsOn(TUESDAY).upsert(ALICE, "irc", "libera/alice", "alice (away)", "mxc://example.org/a2");

    assertThat(updated.registered()).isTrue();
    assertThat(updated.displayName()).contains("alice (away)");
    assertThat(updated.avatarUrl()).contains("mxc://example.org/a2");
    assertThat(updated.updatedAt()).isEqualTo(TUESDAY);
  }

  @Test
  void aGhostWithoutProfileHasEmptyNameAndAvatar() {
    Ghost ghost = ghostsOn(MONDAY).upsert(ALICE, "irc", "libera/alice", null, null);

    assertThat(ghost.displayName()).isEmpty();
    assertThat(ghost.avatarUrl()).isEmpty();
  }

  @Test
  void markingAnUnknownGhostRegisteredChangesNothing() {
    assertThat(ghostsOn(MONDAY).markRegistered(ALICE)).isFalse();
    assertThat(ghostsOn(MONDAY).find(ALICE)).isEmpty();
  }

  @Test
  void aRemoteUserCannotGetASecondGhost() {
    GhostStore ghosts = ghostsOn(MONDAY);
    ghosts.upsert(ALICE, "irc", "libera/alice", "alice", null);
    UserId impostor = UserId.of("@_irc_libera_alice2:example.org");

    assertThatThrownBy(() -> ghosts.upsert(impostor, "irc", "libera/alice", "alice", null))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("already has ghost @_irc_libera_alice:example.org");
    assertThat(ghosts.find(impostor)).isEmpty();
  }

  @Test
  void theLatestMembershipOfAUserInARoomIsRemembered() {
    GhostStore ghosts = ghostsOn(MONDAY);

    ghosts.setMembership(JAVA_ROOM, ALICE, Membership.INVITE);
    ghosts.setMembership(JAVA_ROOM, ALICE, Membership.JOIN);

    assertThat(ghosts.membership(JAVA_ROOM, ALICE)).contains(Membership.JOIN);
    assertThat(ghosts.membership(RUST_ROOM, ALICE)).isEmpty();
  }

  @Test
  void forgettingARoomForgetsOnlyItsMemberships() {
    GhostStore ghosts = ghostsOn(MONDAY);
    UserId bob = UserId.of("@_irc_libera_bob:example.org");
    ghosts.setMembership(JAVA_ROOM, ALICE, Membership.JOIN);
    ghosts.setMembership(JAVA_ROOM, bob, Membership.BAN);
    ghosts.setMembership(RUST_ROOM, ALICE, Membership.JOIN);

    int forgotten = ghosts.forgetRoom(JAVA_ROOM);

    assertThat(forgotten).isEqualTo(2);
    assertThat(ghosts.membership(JAVA_ROOM, ALICE)).isEmpty();
    assertThat(ghosts.membership(JAVA_ROOM, bob)).isEmpty();
    assertThat(ghosts.membership(RUST_ROOM, ALICE)).contains(Membership.JOIN);
  }
}
