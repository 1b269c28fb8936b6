package dev.switchboard.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.connector.Link;
import dev.switchboard.core.id.EventId;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.store.EncryptedRoomStore.EncryptedRoom;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

@ParameterizedClass(name = "{0}")
@EnumSource(Engine.class)
class EncryptedRoomStoreTest {
  private static final RoomId DM = RoomId.of("!dm:example.org");
  private static final RoomId PORTAL = RoomId.of("!portal:example.org");
  private static final UserId ALICE = UserId.of("@alice:example.org");
  private static final Instant MONDAY = Instant.parse("2026-12-07T10:00:00Z");

  @Parameter Engine engine;
  @TempDir Path tempDir;
  private Database database;
  private EncryptedRoomStore rooms;
  private PortalStore portals;

  @BeforeEach
  void open() {
    database = engine.openFresh(tempDir);
    rooms = new EncryptedRoomStore(database, Clock.systemUTC());
    portals = new PortalStore(database, Clock.systemUTC());
  }

  @AfterEach
  void close() {
    if (database != null) {
      database.close();
    }
  }

  @Test
  void theFirstEncryptionEventOfARoomStaysAndTheRoomIsToldOnce() {
    EncryptedRoom first = rooms.remember(DM, EventId.of("$on"), ALICE, "m.megolm.v1.aes-sha2", MONDAY);
    EncryptedRoom again = rooms.remember(DM, EventId.of("$settings"), UserId.of("@bob:example.org"), "other",
        MONDAY.plusSeconds(60));

    assertThat(first.toldAt()).isEmpty();
    assertThat(again).isEqualTo(first);

    rooms.told(DM);
    Instant toldAt = rooms.find(DM).orElseThrow().toldAt().orElseThrow();
    rooms.told(DM);

    assertThat(rooms.remember(DM, EventId.of("$later"), ALICE, "m.megolm.v1.aes-sha2", MONDAY).toldAt())
        .contains(toldAt);
    assertThat(rooms.find(PORTAL)).isEmpty();
  }

  @Test
  void onlyRoomsThatAreStillBridgedAreListed() {
    portals.createPlumbedRoom(DM, List.of(new Link(DM, "sip", "@_sip_1:example.org|" + ALICE.value(), true)));
    portals.createPlumbedRoom(PORTAL, List.of(new Link(PORTAL, "irc", "libera/#a", true)));
    rooms.remember(PORTAL, EventId.of("$p"), ALICE, "m.megolm.v1.aes-sha2", MONDAY.plusSeconds(5));
    rooms.remember(DM, EventId.of("$d"), ALICE, "m.megolm.v1.aes-sha2", MONDAY);
    rooms.remember(RoomId.of("!unbridged:example.org"), EventId.of("$u"), ALICE, "m.megolm.v1.aes-sha2", MONDAY);

    assertThat(rooms.bridged()).extracting(EncryptedRoom::roomId).containsExactly(DM, PORTAL);

    portals.removeLink(new Link(PORTAL, "irc", "libera/#a", true));

    assertThat(rooms.bridged()).extracting(EncryptedRoom::roomId).containsExactly(DM);
  }
}
