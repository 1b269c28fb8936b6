package dev.switchboard.core.homeserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.core.store.Database;
import dev.switchboard.core.store.Engine;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The merged lines' txn ids as stored: the merged request once per batch, each line pointing at it; what a restart
 * reads back, what the hour forgets (lines with their batch), and the rows V7 stored before the upgrade.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(Engine.class)
class MergedTxnIdsTest {
  @Parameter
  Engine engine;

  @TempDir
  Path tmp;

  private static final long T0 = 1_800_000_000_000L;
  private static final long HOUR = MergedTxnIds.RETAIN.toMillis();

  private static String request(String batchTxnId, String body) {
    return "{\"kind\":\"send\",\"sender\":\"@_irc_a:example.org\",\"room\":\"!r:example.org\","
        + "\"type\":\"m.room.message\",\"content\":{\"msgtype\":\"m.text\",\"body\":\"" + body + "\"},"
        + "\"txn_id\":\"" + batchTxnId + "\"}";
  }

  private static void store(Database db, String batch, List<String> lines, String json, long at) {
    db.inTransaction(c -> {
      MergedTxnIds.store(c, batch, lines, json, at);
      return null;
    });
  }

  private static MergedTxnIds load(Database db, long at) {
    return db.inTransaction(c -> MergedTxnIds.load(c, at));
  }

  private static long count(Database db, String sql) {
    return db.inTransaction(c -> {
      try (PreparedStatement st = c.prepareStatement(sql); ResultSet rs = st.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    });
  }

  @Test
  void theRequestIsStoredOnceAndARestartFindsItForEveryLine() {
    try (Database db = engine.openFresh(tmp)) {
      String json = request("a+3", "a\\nb\\nc");
      store(db, "a+3", List.of("a", "b", "c"), json, T0);

      assertThat(count(db, "SELECT COUNT(*) FROM outbound_merged_batch")).isEqualTo(1);
      assertThat(count(db, "SELECT COUNT(*) FROM outbound_merged_line WHERE batch_txn_id = 'a+3'")).isEqualTo(3);
      MergedTxnIds reloaded = load(db, T0 + 1);
      for (String line : List.of("a", "b", "c")) {
        assertThat(reloaded.mergedRequestOf(line)).isEqualTo(json);
      }
      assertThat(reloaded.mergedRequestOf("a+3")).isNull();
      assertThat(reloaded.mergedRequestOf("d")).isNull();
    }
  }

  @Test
  void aBatchPastItsHourIsForgottenWithItsLinesInTheTablesAndInMemory() {
    try (Database db = engine.openFresh(tmp)) {
      String old = request("a+2", "a\\nb");
      String recent = request("c+2", "c\\nd");
      store(db, "a+2", List.of("a", "b"), old, T0);
      store(db, "c+2", List.of("c", "d"), recent, T0 + HOUR / 2);

      // A restart past the first batch's hour: its rows go, lines and all; the second's stay.
      MergedTxnIds reloaded = load(db, T0 + HOUR + 1);
      assertThat(reloaded.mergedRequestOf("a")).isNull();
      assertThat(reloaded.mergedRequestOf("b")).isNull();
      assertThat(reloaded.mergedRequestOf("c")).isEqualTo(recent);
      assertThat(count(db, "SELECT COUNT(*) FROM outbound_merged_batch")).isEqualTo(1);
      assertThat(count(db, "SELECT COUNT(*) FROM outbound_merged_line")).isEqualTo(2);

      // A new batch past the second one's hour forgets it too, as does the memory of a running queue.
      String next = request("e+2", "e\\nf");
      long later = T0 + HOUR / 2 + HOUR + 1;
      store(db, "e+2", List.of("e", "f"), next, later);
      reloaded.remember(List.of("e", "f"), next, later);
      assertThat(reloaded.mergedRequestOf("c")).isNull();
      assertThat(reloaded.mergedRequestOf("f")).isEqualTo(next);
      assertThat(count(db, "SELECT COUNT(*) FROM outbound_merged_batch")).isEqualTo(1);
      assertThat(count(db, "SELECT COUNT(*) FROM outbound_merged_line WHERE batch_txn_id = 'e+2'")).isEqualTo(2);
      assertThat(count(db, "SELECT COUNT(*) FROM outbound_merged_line")).isEqualTo(2);
    }
  }

  @Test
  void aLineRowNeedsItsBatch() {
    try (Database db = engine.openFresh(tmp)) {
      assertThatThrownBy(() -> db.inTransaction(c -> {
        try (PreparedStatement st = c.prepareStatement(
            "INSERT INTO outbound_merged_line (batch_txn_id, txn_id) VALUES ('none+2', 'x')")) {
          return st.executeUpdate();
        }
      })).hasRootCauseInstanceOf(SQLException.class);
    }
  }

  /**
   * The rows V7 stored (the request in every line's row) are converted by V8: each batch's request once, its lines
   * pointing at it, so a line merged just before the upgrade still finds its merged event after it.
   */
  @Test
  void rowsStoredBeforeTheUpgradeAreConvertedToOneRequestPerBatch() throws Exception {
    String url = engine.freshUrl(tmp);
    Flyway.configure().dataSource(url, engine.user(), "").locations("classpath:db/migration/core")
        .table("flyway_schema_history").target("7").load().migrate();
    String first = request("a+3", "a\\nb\\nc");
    String second = request("d+2", "d\\ne");
    try (Connection c = DriverManager.getConnection(url, engine.user(), "");
        PreparedStatement st = c.prepareStatement(
            "INSERT INTO outbound_merged_txn (txn_id, request, created_at) VALUES (?, ?, ?)")) {
      Object[][] rows = {{"a", first, T0}, {"b", first, T0}, {"c", first, T0}, {"d", second, T0 + 5},
          {"e", second, T0 + 5}, {"broken", "{not json", T0}, {"no-txn", "{\"kind\":\"send\"}", T0}};
      for (Object[] row : rows) {
        st.setString(1, (String) row[0]);
        st.setString(2, (String) row[1]);
        st.setLong(3, (Long) row[2]);
        st.addBatch();
      }
      // More lines than one page of the migration's inserts, so it has to go on past the first.
      for (int b = 0; b < 60; b++) {
        for (int l = 0; l < CoalescedLines.MAX_LINES; l++) {
          st.setString(1, "many-" + b + "-" + l);
          st.setString(2, request("many-" + b + "+20", "batch " + b));
          st.setLong(3, T0 + 7);
          st.addBatch();
        }
      }
      st.executeBatch();
    }

    try (Database db = engine.open(url)) {
      assertThat(db.tableNames()).doesNotContain("outbound_merged_txn");
      assertThat(count(db, "SELECT COUNT(*) FROM outbound_merged_batch")).isEqualTo(2 + 60);
      assertThat(count(db, "SELECT COUNT(*) FROM outbound_merged_line")).isEqualTo(5 + 60 * 20);
      MergedTxnIds upgraded = load(db, T0 + 10);
      assertThat(upgraded.mergedRequestOf("many-59-19")).isEqualTo(request("many-59+20", "batch 59"));
      assertThat(List.of("a", "b", "c")).allSatisfy(l -> assertThat(upgraded.mergedRequestOf(l)).isEqualTo(first));
      assertThat(List.of("d", "e")).allSatisfy(l -> assertThat(upgraded.mergedRequestOf(l)).isEqualTo(second));
      assertThat(upgraded.mergedRequestOf("broken")).isNull();
      assertThat(upgraded.mergedRequestOf("no-txn")).isNull();
      // Their hour counts from when V7 stored them.
      assertThat(load(db, T0 + HOUR + 1).mergedRequestOf("a")).isNull();
      assertThat(load(db, T0 + HOUR + 1).mergedRequestOf("d")).isEqualTo(second);
    }
  }
}
