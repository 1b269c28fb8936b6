package dev.switchboard.irc.message;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.id.EventId;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.store.Database;
import dev.switchboard.core.store.MessageMapStore;
import dev.switchboard.core.store.StoredMessageMap;
import dev.switchboard.irc.portal.ChannelName;
import dev.switchboard.irc.portal.ChannelRef;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChannelMessageMapTest {
  private static final ChannelRef CHANNEL = new ChannelRef("test", ChannelName.parse("#room").orElseThrow());
  private static final RoomId ROOM = RoomId.of("!room:test.local");

  @TempDir
  Path dir;
  private Database database;
  private MessageMapStore store;
  /** Writes wait here until the test runs them, as on a backed-up blocking executor. */
  private final List<Runnable> heldWrites = new ArrayList<>();

  @BeforeEach
  void open() {
    database = Database.open("jdbc:sqlite:" + dir.resolve("bridge.db"), null, null, List.of("irc"));
    store = new MessageMapStore(database, Clock.systemUTC());
  }

  @AfterEach
  void close() {
    database.close();
  }

  @Test
  void aReplyToAnEventWhoseRowIsStillBeingWrittenNamesItsAuthor() throws Exception {
    ChannelMessageMap held = new ChannelMessageMap(new StoredMessageMap(store, heldWrites::add), heldWrites::add);
    EventId fromIrc = EventId.of("$irc-line");
    EventId fromMatrix = EventId.of("$matrix-line");
    CompletableFuture<Void> ircRow = held.recordIrc(CHANNEL, "alice", Optional.of("m1"), "msgid/m1", ROOM, fromIrc);
    CompletableFuture<Void> matrixRow = held.recordMatrix(CHANNEL, "bob", ROOM, fromMatrix);

    assertThat(held.authorOf(fromIrc).get(5, TimeUnit.SECONDS)).contains("alice");
    assertThat(held.authorOf(fromMatrix).get(5, TimeUnit.SECONDS)).contains("bob");

    // Once the rows are written, the answer comes from the store (a fresh map has no memory of them).
    while (!heldWrites.isEmpty()) {
      heldWrites.remove(0).run();
    }
    ircRow.get(5, TimeUnit.SECONDS);
    matrixRow.get(5, TimeUnit.SECONDS);
    ChannelMessageMap fresh = new ChannelMessageMap(new StoredMessageMap(store, ForkJoinPool.commonPool()),
        ForkJoinPool.commonPool());
    assertThat(fresh.authorOf(fromIrc).get(5, TimeUnit.SECONDS)).contains("alice");
    assertThat(fresh.authorOf(fromMatrix).get(5, TimeUnit.SECONDS)).contains("bob");
    assertThat(fresh.authorOf(EventId.of("$unknown")).get(5, TimeUnit.SECONDS)).isEmpty();
  }
}
