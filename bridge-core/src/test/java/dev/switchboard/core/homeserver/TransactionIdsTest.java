package dev.switchboard.core.homeserver;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import org.junit.jupiter.api.Test;

class TransactionIdsTest {
  private static final UserId ALICE = UserId.of("@_irc_alice:example.org");
  private static final UserId BOB = UserId.of("@_irc_bob:example.org");
  private static final RoomId ROOM = RoomId.of("!room:example.org");
  private static final RoomId OTHER = RoomId.of("!other:example.org");

  @Test
  void theSameKeyAlwaysGivesTheSameTxnId() {
    assertThat(TransactionIds.derive(ALICE, ROOM, "send", "libera/msgid-1"))
        .isEqualTo(TransactionIds.derive(ALICE, ROOM, "send", "libera/msgid-1"));
  }

  @Test
  void senderRoomEndpointAndKeyEachChangeTheTxnId() {
    String base = TransactionIds.derive(ALICE, ROOM, "send", "k");
    assertThat(TransactionIds.derive(BOB, ROOM, "send", "k")).isNotEqualTo(base);
    assertThat(TransactionIds.derive(ALICE, OTHER, "send", "k")).isNotEqualTo(base);
    assertThat(TransactionIds.derive(ALICE, ROOM, "redact", "k")).isNotEqualTo(base);
    assertThat(TransactionIds.derive(ALICE, ROOM, "send", "k2")).isNotEqualTo(base);
  }

  @Test
  void aTxnIdIsAShortUrlSafeToken() {
    assertThat(TransactionIds.derive(ALICE, ROOM, "send", "a key with spaces/and#odd?chars"))
        .matches("sb[A-Za-z0-9_-]{32}");
  }
}
