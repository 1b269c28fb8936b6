package dev.switchboard.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.id.EventId;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.store.MessageMapStore.MessageMapping;
import dev.switchboard.core.store.MessageMapStore.RemoteMessage;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

@ParameterizedClass(name = "{0}")
@EnumSource(Engine.class)
class MessageMapStoreTest {
  private static final Instant DAY_1 = Instant.parse("2025-03-01T00:00:00Z");
  private static final Instant DAY_2 = DAY_1.plus(Duration.ofDays(1));
  private static final Instant DAY_3 = DAY_1.plus(Duration.ofDays(2));
  private static final RoomId ROOM = RoomId.of("!java:example.org");
  private static final EventId HELLO = EventId.of("$hello");
  private static final RemoteMessage HELLO_ON_IRC = new RemoteMessage("irc", "libera/#java", "msgid-1");
  private static final RemoteMessage HELLO_IN_MUC =
      new RemoteMessage("xmpp", "java@conference.example.net", "stanza-1");

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

  private MessageMapStore mapOn(Instant day) {
    return new MessageMapStore(database, Clock.fixed(day, ZoneOffset.UTC));
  }

  @Test
  void aMappingIsFoundFromEitherSide() {
    MessageMapping mapping = mapOn(DAY_1).put(HELLO_ON_IRC, ROOM, HELLO);

    assertThat(mapping).isEqualTo(new MessageMapping(HELLO_ON_IRC, ROOM, HELLO, DAY_1));
    assertThat(mapOn(DAY_1).byRemote(HELLO_ON_IRC)).contains(mapping);
    assertThat(mapOn(DAY_1).byEvent(HELLO)).containsExactly(mapping);
    assertThat(mapOn(DAY_1).byRemote(new RemoteMessage("irc", "libera/#rust", "msgid-1"))).isEmpty();
  }

  @Test
  void anEventBridgedToTwoLinksMapsToBothRemoteMessages() {
    mapOn(DAY_1).put(HELLO_ON_IRC, ROOM, HELLO);
    mapOn(DAY_2).put(HELLO_IN_MUC, ROOM, HELLO);

    assertThat(mapOn(DAY_2).byEvent(HELLO)).extracting(MessageMapping::remote)
        .containsExactly(HELLO_ON_IRC, HELLO_IN_MUC);
  }

  @Test
  void aReusedRemoteIdNowMeansTheLatestEvent() {
    mapOn(DAY_1).put(HELLO_IN_MUC, ROOM, HELLO);

    mapOn(DAY_2).put(HELLO_IN_MUC, ROOM, EventId.of("$again"));

    assertThat(mapOn(DAY_2).byRemote(HELLO_IN_MUC).orElseThrow().eventId()).isEqualTo(EventId.of("$again"));
    assertThat(mapOn(DAY_2).byEvent(HELLO)).isEmpty();
  }

  @Test
  void pruningForgetsOnlyMappingsOlderThanTheCutoff() {
    mapOn(DAY_1).put(HELLO_ON_IRC, ROOM, HELLO);
    mapOn(DAY_2).put(HELLO_IN_MUC, ROOM, HELLO);
    mapOn(DAY_3).put(new RemoteMessage("irc", "libera/#java", "msgid-3"), ROOM, EventId.of("$later"));

    int pruned = mapOn(DAY_3).pruneOlderThan(DAY_2);

    assertThat(pruned).isEqualTo(1);
    assertThat(mapOn(DAY_3).byRemote(HELLO_ON_IRC)).isEmpty();
    assertThat(mapOn(DAY_3).byRemote(HELLO_IN_MUC)).isPresent();
    assertThat(mapOn(DAY_3).oldestKept()).contains(DAY_2);
  }

  @Test
  void anEmptyMapKeepsNothing() {
    assertThat(mapOn(DAY_1).oldestKept()).isEmpty();
    assertThat(mapOn(DAY_1).pruneOlderThan(DAY_3)).isZero();
  }
}
