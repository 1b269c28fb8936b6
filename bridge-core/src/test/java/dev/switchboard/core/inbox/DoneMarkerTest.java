package dev.switchboard.core.inbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.core.store.Database;
import dev.switchboard.core.store.Engine;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DoneMarkerTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  private Database db;
  private InboxStore store;
  private DoneMarker marker;

  @BeforeEach
  void open() {
    db = Engine.SQLITE.openFresh(dir);
    store = new InboxStore(db, Clock.systemUTC(), JSON);
    marker = new DoneMarker(store);
  }

  @AfterEach
  void close() {
    marker.close();
    db.close();
  }

  private List<Long> ingest(String... ids) throws Exception {
    StringBuilder sb = new StringBuilder("{\"events\":[");
    for (int i = 0; i < ids.length; i++) {
      sb.append(i == 0 ? "" : ",").append(AppServiceApiEvents.message(ids[i], "!r:t", "@a:t", "x"));
    }
    ParsedTransaction txn = TransactionParser.parse("t", sb.append("]}").toString().getBytes(StandardCharsets.UTF_8),
        JSON);
    return store.ingest("t", "digest", txn).orElseThrow().stream().map(InboxEntry::seq).toList();
  }

  @Test
  void marksCommitAndLanesDoNotWaitWhileTheRecorderKeepsUp() throws Exception {
    List<Long> seqs = ingest("$a", "$b", "$c");

    CompletableFuture<Void> linkMark = marker.markLink(seqs.get(0), "irc libera/#a");
    assertThat(marker.paced(linkMark)).isCompleted();
    CompletableFuture.allOf(linkMark, marker.mark(seqs.get(0), true), marker.mark(seqs.get(1)))
        .get(5, TimeUnit.SECONDS);

    assertThat(store.pending()).extracting(InboxEntry::seq).containsExactly(seqs.get(2));
    assertThat(store.acceptedTargets()).isEmpty(); // the done mark cleared the link's row
  }

  @Test
  void afterCloseMarksFailAndTheirEntriesStayUndone() throws Exception {
    List<Long> seqs = ingest("$a");
    marker.close();

    assertThat(marker.mark(seqs.get(0))).failsWithin(1, TimeUnit.SECONDS);
    assertThat(store.pending()).extracting(InboxEntry::seq).containsExactly(seqs.get(0));
  }
}
