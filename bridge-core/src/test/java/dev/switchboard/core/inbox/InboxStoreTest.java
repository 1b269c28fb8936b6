package dev.switchboard.core.inbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.core.store.Database;
import dev.switchboard.core.store.Engine;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@ParameterizedClass(name = "{0}")
@EnumSource(Engine.class)
class InboxStoreTest {
  @Parameter
  Engine engine;

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;

  private Database db;
  private MutableClock clock;
  private InboxStore store;

  /** A clock tests move by hand. */
  static final class MutableClock extends Clock {
    Instant now = Instant.parse("2026-01-01T00:00:00Z");

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  @BeforeEach
  void open() {
    db = engine.openFresh(dir);
    clock = new MutableClock();
    store = new InboxStore(db, clock, JSON);
  }

  @AfterEach
  void close() {
    db.close();
  }

  private ParsedTransaction txn(String... ids) throws Exception {
    StringBuilder sb = new StringBuilder("{\"events\":[");
    for (int i = 0; i < ids.length; i++) {
      sb.append(i == 0 ? "" : ",").append(AppServiceApiEvents.message(ids[i], "!r:t", "@a:t", "x"));
    }
    return TransactionParser.parse("t", sb.append("]}").toString().getBytes(java.nio.charset.StandardCharsets.UTF_8),
        JSON);
  }

  /** PostgreSQL: no insert-triggered autovacuum of inbox_event (its burst of page writes stalled acks). */
  @Test
  void postgresInboxEventHasNoInsertTriggeredVacuum() {
    org.junit.jupiter.api.Assumptions.assumeTrue(engine == Engine.POSTGRESQL);
    String options = db.inTransaction(c -> {
      try (var s = c.createStatement();
          var rs = s.executeQuery("SELECT array_to_string(reloptions, ',') FROM pg_class WHERE relname = 'inbox_event'")) {
        rs.next();
        return rs.getString(1);
      }
    });
    assertThat(options).contains("autovacuum_vacuum_insert_threshold=-1");
    new InboxStore(db, clock, JSON); // a restart finds it set and leaves the table alone
  }

  @Test
  void aPrunedTransactionRecordStillCannotRepeatItsEvents() throws Exception {
    List<InboxEntry> first = store.ingest("1", "digest", txn("$a", "$b")).orElseThrow();
    store.markDone(first.stream().map(InboxEntry::seq).toList());

    clock.now = clock.now.plus(Duration.ofDays(8));
    InboxPruner pruner = new InboxPruner(store, clock, Duration.ofDays(7), Duration.ofDays(30), () -> Long.MAX_VALUE);
    long[] removed = pruner.pruneNow();

    assertThat(removed).containsExactly(1L, 0L);
    // The homeserver's very late retry is accepted as a transaction, but its events were seen before.
    assertThat(store.ingest("1", "digest", txn("$a", "$b")).orElseThrow()).isEmpty();
  }

  @Test
  void doneEventsArePrunedAfterTheirRetentionButNotWhileTheMessageMapIsOlder() throws Exception {
    List<InboxEntry> first = store.ingest("1", "d1", txn("$a")).orElseThrow();
    store.ingest("2", "d2", txn("$pending"));
    store.markDone(first.stream().map(InboxEntry::seq).toList());
    clock.now = clock.now.plus(Duration.ofDays(31));
    long mapOldest = clock.now.minus(Duration.ofDays(40)).toEpochMilli();

    assertThat(new InboxPruner(store, clock, Duration.ofDays(7), Duration.ofDays(30), () -> mapOldest).pruneNow()[1])
        .isZero();
    assertThat(new InboxPruner(store, clock, Duration.ofDays(7), Duration.ofDays(30), () -> Long.MAX_VALUE)
        .pruneNow()[1]).isEqualTo(1);
    assertThat(store.pending()).extracting(e -> e.event().path("event_id").asText()).containsExactly("$pending");
    // Pruned: an event id so old can come again as new.
    assertThat(store.ingest("3", "d3", txn("$a")).orElseThrow()).hasSize(1);
  }

  /** Pruning walks the events in small commits by sequence number and stops at the first one too young. */
  @Test
  void pruningInBatchesRemovesExactlyTheOldDoneEvents() throws Exception {
    List<InboxEntry> old = store.ingest("1", "d1", txn("$o1", "$o2", "$o3", "$stuck", "$o4", "$o5", "$o6"))
        .orElseThrow();
    store.ingest("2", "d2", txn("$dup", "$o1")); // a gap: $o1 takes a sequence number but no row
    clock.now = clock.now.plus(Duration.ofDays(2));
    List<InboxEntry> young = store.ingest("3", "d3", txn("$y1", "$y2")).orElseThrow();
    store.markDone(old.stream().filter(e -> !e.event().path("event_id").asText().equals("$stuck"))
        .map(InboxEntry::seq).toList());
    store.markDone(young.stream().map(InboxEntry::seq).toList());

    long cutoff = clock.now.minus(Duration.ofDays(1)).toEpochMilli();
    // Batches of 2 sequence numbers: the walk crosses the undone entry and the gap, and ends before $y1.
    assertThat(store.prune(Long.MIN_VALUE, cutoff, 2)).containsExactly(0L, 6L);
    try (java.sql.Connection c = db.connection(); java.sql.Statement st = c.createStatement();
        java.sql.ResultSet rs = st.executeQuery("SELECT event_id FROM inbox_event ORDER BY seq")) {
      List<String> left = new java.util.ArrayList<>();
      while (rs.next()) {
        left.add(rs.getString(1));
      }
      assertThat(left).containsExactly("$stuck", "$dup", "$y1", "$y2");
    }
    // $dup is not done: it stays too. Nothing more to prune on a second run.
    assertThat(store.prune(Long.MIN_VALUE, cutoff, 2)).containsExactly(0L, 0L);
  }

  @Test
  void aTransactionIsStoredOnceAndItsDuplicateEventsLeftOut() throws Exception {
    List<InboxEntry> first = store.ingest("1", "d1", txn("$a", "$b", "$a")).orElseThrow();
    assertThat(first).extracting(e -> e.event().path("event_id").asText()).containsExactly("$a", "$b");
    assertThat(store.ingest("1", "d1", txn("$a", "$b", "$a"))).isEmpty();
    assertThat(store.ingest("1", "d2", txn("$b", "$c")).orElseThrow())
        .extracting(e -> e.event().path("event_id").asText()).containsExactly("$c");
    assertThat(store.pending()).hasSize(3);
    store.markDone(first.stream().map(InboxEntry::seq).toList());
    assertThat(store.depth()).isEqualTo(1);
  }

  private static List<String> ids(List<InboxEntry> entries) {
    return entries.stream().map(e -> e.event().path("event_id").asText()).toList();
  }

  private long stored(String sql) {
    return db.inTransaction(c -> {
      try (var st = c.createStatement(); var rs = st.executeQuery(sql)) {
        rs.next();
        return rs.getLong(1);
      }
    });
  }

  /**
   * Done marks out of order (a later room finishes first, a link holds an entry): after a restart exactly the
   * undone entries run again, the watermark stops before the oldest undone one, and the exceptions above it go once
   * it passes them.
   */
  @Test
  void entriesDoneOutOfOrderAreExactlyWhatARestartSkips() throws Exception {
    List<InboxEntry> a = store.ingest("1", "d1", txn("$a1", "$a2")).orElseThrow();
    List<InboxEntry> b = store.ingest("2", "d2", txn("$b1", "$held", "$b3")).orElseThrow();
    List<InboxEntry> c = store.ingest("3", "d3", txn("$c1")).orElseThrow();

    store.markDone(List.of(c.get(0).seq(), b.get(0).seq()));
    store.markDone(List.of(a.get(1).seq(), b.get(2).seq()));
    assertThat(store.depth()).isEqualTo(2);
    assertThat(stored("SELECT done_through FROM inbox_progress")).isZero();

    InboxStore restarted = new InboxStore(db, clock, JSON);
    assertThat(ids(restarted.pending())).containsExactly("$a1", "$held");
    assertThat(restarted.depth()).isEqualTo(2);

    restarted.markDone(List.of(a.get(0).seq()));
    assertThat(stored("SELECT done_through FROM inbox_progress")).isEqualTo(b.get(1).seq() - 1);
    assertThat(stored("SELECT COUNT(*) FROM inbox_done_early")).isEqualTo(2); // $b3 and $c1
    assertThat(ids(new InboxStore(db, clock, JSON).pending())).containsExactly("$held");

    restarted.markDone(List.of(b.get(1).seq()));
    assertThat(stored("SELECT done_through FROM inbox_progress")).isEqualTo(c.get(0).seq());
    assertThat(stored("SELECT COUNT(*) FROM inbox_done_early")).isZero();
    assertThat(stored("SELECT COUNT(*) FROM inbox_undone")).isZero();
    assertThat(new InboxStore(db, clock, JSON).pending()).isEmpty();
    assertThat(restarted.depth()).isZero();
  }

  /** A repeat skipped by de-duplication takes a seq but no row; the watermark passes it. */
  @Test
  void theWatermarkPassesSeqsOfSkippedRepeats() throws Exception {
    List<InboxEntry> a = store.ingest("1", "d1", txn("$a")).orElseThrow();
    List<InboxEntry> b = store.ingest("2", "d2", txn("$a", "$b")).orElseThrow();
    assertThat(b).hasSize(1);
    store.markDone(List.of(a.get(0).seq(), b.get(0).seq()));
    assertThat(stored("SELECT done_through FROM inbox_progress")).isEqualTo(b.get(0).seq());
    assertThat(new InboxStore(db, clock, JSON).pending()).isEmpty();
  }

  /** Once pruning has emptied the table, seqs still go on past the watermark: a new entry is never "done". */
  @Test
  void seqsAreNotHandedOutAgainAfterEverythingWasPruned() throws Exception {
    List<InboxEntry> a = store.ingest("1", "d1", txn("$a", "$b")).orElseThrow();
    store.markDone(a.stream().map(InboxEntry::seq).toList());
    clock.now = clock.now.plus(Duration.ofDays(31));
    new InboxPruner(store, clock, Duration.ofDays(7), Duration.ofDays(30), () -> Long.MAX_VALUE).pruneNow();
    assertThat(stored("SELECT COUNT(*) FROM inbox_event")).isZero();

    InboxStore restarted = new InboxStore(db, clock, JSON);
    List<InboxEntry> fresh = restarted.ingest("2", "d2", txn("$new")).orElseThrow();
    assertThat(fresh.get(0).seq()).isGreaterThan(a.get(1).seq());
    assertThat(ids(new InboxStore(db, clock, JSON).pending())).containsExactly("$new");
  }

  /** A fresh database with the core migrations up to {@code version} only, as a bridge that old left it. */
  private String migratedTo(String version) {
    String url = engine.freshUrl(dir);
    org.flywaydb.core.Flyway.configure().dataSource(url, engine.user(), "")
        .locations("classpath:db/migration/core").table("flyway_schema_history").target(version).load().migrate();
    return url;
  }

  /** V9 replaced the undone rows with a watermark: an upgrade keeps exactly what was undone, in any pattern. */
  @Test
  void theUpgradeToTheWatermarkKeepsExactlyTheUndoneEntries() throws Exception {
    String url = migratedTo("8");
    try (java.sql.Connection c = java.sql.DriverManager.getConnection(url, engine.user(), "");
        java.sql.Statement s = c.createStatement()) {
      StringBuilder rows = new StringBuilder();
      for (int seq = 1; seq <= 6; seq++) {
        rows.append(seq == 1 ? "" : ", ").append("(" + seq + ", '$e" + seq + "', " + seq + ", '!r:t', 'pdu', "
            + "'{\"event_id\":\"$e" + seq + "\"}', 1)");
      }
      s.executeUpdate("INSERT INTO inbox_event (seq, event_id, origin_ts, room_id, kind, body, received_at) VALUES "
          + rows);
      s.executeUpdate("INSERT INTO inbox_undone (seq) VALUES (2), (5)");
    }
    try (Database upgraded = engine.open(url)) {
      InboxStore s = new InboxStore(upgraded, clock, JSON);
      assertThat(ids(s.pending())).containsExactly("$e2", "$e5");
      assertThat(s.depth()).isEqualTo(2);
      List<InboxEntry> fresh = s.ingest("t", "d", txn("$new")).orElseThrow();
      assertThat(fresh.get(0).seq()).isEqualTo(7);
      s.markDone(List.of(2L));
      assertThat(ids(new InboxStore(upgraded, clock, JSON).pending())).containsExactly("$e5", "$new");
    }
  }

  /** V4 moved done marks from {@code inbox_event.done_at} to {@code inbox_undone}: an upgrade keeps what was undone. */
  @Test
  void theUpgradeToUndoneRowsKeepsExactlyTheUndoneEntries() throws Exception {
    String url = migratedTo("3");
    try (java.sql.Connection c = java.sql.DriverManager.getConnection(url, engine.user(), "");
        java.sql.Statement s = c.createStatement()) {
      s.executeUpdate("INSERT INTO inbox_event (seq, event_id, room_id, kind, body, received_at, done_at) VALUES "
          + "(1, '$done', '!r:t', 'pdu', '{\"event_id\":\"$done\"}', 1, 2), "
          + "(2, '$undone', '!r:t', 'pdu', '{\"event_id\":\"$undone\"}', 1, NULL), "
          + "(3, '$done2', '!r:t', 'pdu', '{\"event_id\":\"$done2\"}', 1, 3)");
    }
    try (Database upgraded = engine.open(url)) {
      InboxStore s = new InboxStore(upgraded, clock, JSON);
      assertThat(s.pending()).extracting(e -> e.event().path("event_id").asText()).containsExactly("$undone");
      assertThat(s.depth()).isEqualTo(1);
      assertThat(s.ingest("t", "d", txn("$new")).orElseThrow().get(0).seq()).isEqualTo(4);
      assertThat(s.pending()).extracting(e -> e.event().path("event_id").asText()).containsExactly("$undone", "$new");
    }
  }

  /**
   * V5 keys events by (origin_ts, event_id): events stored before it must still keep their repeats out, so their
   * timestamps are filled in exactly as new events get them, odd ones (text, fractions, missing) included.
   */
  @Test
  void afterTheUpgradeToTimestampKeysStoredEventsStillKeepTheirRepeatsOut() throws Exception {
    String url = migratedTo("4");
    List<String> bodies = new java.util.ArrayList<>(List.of(event("$int", "1764000000000"), event("$text", "\"17\""),
        event("$fraction", "1.5"), event("$none", null)));
    // More rows than one page of the migration, so it has to go on past the first.
    for (int i = bodies.size(); i < 2_500; i++) {
      bodies.add(event("$e" + i, Integer.toString(1_000 + i)));
    }
    try (java.sql.Connection c = java.sql.DriverManager.getConnection(url, engine.user(), "");
        java.sql.PreparedStatement ps = c.prepareStatement("INSERT INTO inbox_event "
            + "(seq, event_id, room_id, kind, body, received_at) VALUES (?, ?, '!r:t', 'pdu', ?, 1)")) {
      for (int i = 0; i < bodies.size(); i++) {
        ps.setLong(1, i + 1);
        ps.setString(2, JSON.readTree(bodies.get(i)).path("event_id").asText());
        ps.setString(3, bodies.get(i));
        ps.addBatch();
      }
      ps.executeBatch();
    }
    try (Database upgraded = engine.open(url)) {
      InboxStore s = new InboxStore(upgraded, clock, JSON);
      List<String> again = new java.util.ArrayList<>(bodies.subList(0, 4));
      for (int i = 4; i < bodies.size(); i += 499) {
        again.add(bodies.get(i));
      }
      again.add(event("$new", "5"));
      ParsedTransaction repeat = TransactionParser.parse("t", ("{\"events\":[" + String.join(",", again) + "]}")
          .getBytes(java.nio.charset.StandardCharsets.UTF_8), JSON);
      assertThat(s.ingest("t", "d", repeat).orElseThrow())
          .extracting(e -> e.event().path("event_id").asText()).containsExactly("$new");
      try (java.sql.Connection c = upgraded.connection(); java.sql.Statement st = c.createStatement();
          java.sql.ResultSet rs = st.executeQuery("SELECT origin_ts FROM inbox_event WHERE seq = 2500")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getLong(1)).isEqualTo(1_000 + 2_499);
      }
    }
  }

  /** A message event's JSON with {@code ts} as the raw JSON of its origin_server_ts (none if null). */
  private static String event(String id, String ts) {
    return "{\"event_id\":\"" + id + "\",\"room_id\":\"!r:t\",\"sender\":\"@a:t\",\"type\":\"m.room.message\""
        + (ts == null ? "" : ",\"origin_server_ts\":" + ts) + "}";
  }

  @Test
  void sequenceNumbersContinueAfterReopening() throws Exception {
    long last = store.ingest("1", "d", txn("$a", "$b")).orElseThrow().get(1).seq();
    InboxStore reopened = new InboxStore(db, clock, JSON);
    assertThat(reopened.ingest("2", "d", txn("$c")).orElseThrow().get(0).seq()).isGreaterThan(last);
  }
}
