package dev.switchboard.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.id.EventId;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.store.MessageMapStore.NewMapping;
import dev.switchboard.core.store.MessageMapStore.RemoteMessage;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoredMessageMapTest {
  private static final RoomId ROOM = RoomId.of("!java:example.org");

  @TempDir Path tempDir;
  private final ExecutorService blocking = Executors.newFixedThreadPool(2);
  private Database database;
  private MessageMap map;

  @BeforeEach
  void open() {
    database = Engine.SQLITE.openFresh(tempDir);
    map = new StoredMessageMap(new MessageMapStore(database, Clock.systemUTC()), blocking);
  }

  @AfterEach
  void close() {
    blocking.shutdownNow();
    database.close();
  }

  @Test
  void recordsAreReadableOnceCommitted() throws Exception {
    RemoteMessage line = new RemoteMessage("irc", "libera/#java", "msgid-1");
    map.record(new NewMapping(line, ROOM, EventId.of("$hello"))).get(5, TimeUnit.SECONDS);

    assertThat(map.byRemote(line)).get().extracting(MessageMapStore.MessageMapping::eventId)
        .isEqualTo(EventId.of("$hello"));
    assertThat(map.byEvent(EventId.of("$hello"))).extracting(MessageMapStore.MessageMapping::remote)
        .containsExactly(line);
  }

  @Test
  void aBurstOfRecordsIsCommittedAndALaterRecordOfTheSameRemoteIdWins() throws Exception {
    RemoteMessage reused = new RemoteMessage("xmpp", "java@muc.example.net", "stanza-1");
    List<CompletableFuture<Void>> all = IntStream.range(0, 300).mapToObj(i -> map.record(
        new NewMapping(new RemoteMessage("irc", "libera/#java", "m" + i), ROOM, EventId.of("$e" + i)))).toList();
    CompletableFuture<Void> both = map.recordAll(List.of(new NewMapping(reused, ROOM, EventId.of("$old")),
        new NewMapping(reused, ROOM, EventId.of("$new"))));

    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
    both.get(5, TimeUnit.SECONDS);
    assertThat(map.byRemote(new RemoteMessage("irc", "libera/#java", "m299"))).isPresent();
    assertThat(map.byRemote(reused)).get().extracting(MessageMapStore.MessageMapping::eventId)
        .isEqualTo(EventId.of("$new"));
  }
}
