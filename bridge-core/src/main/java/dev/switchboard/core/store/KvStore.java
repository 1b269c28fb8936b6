package dev.switchboard.core.store;

import java.time.Clock;
import java.util.Objects;
import java.util.Optional;

/** Small bridge-wide string values by key, such as high-water marks and schema versions of outside data. */
public final class KvStore {
  private final Database database;
  private final Clock clock;

  public KvStore(Database database, Clock clock) {
    this.database = database;
    this.clock = clock;
  }

  public Optional<String> get(String key) {
    return database.inTransaction(c -> Sql.one(c, "SELECT v FROM kv WHERE k = ?", row -> row.getString("v"), key));
  }

  /** Sets the value, replacing any earlier one. */
  public void put(String key, String value) {
    Objects.requireNonNull(value, () -> "value of " + key + " (use delete to remove a key)");
    long now = clock.millis();
    database.inTransaction(c -> Sql.update(c,
        "INSERT INTO kv (k, v, updated_at) VALUES (?, ?, ?)"
            + " ON CONFLICT (k) DO UPDATE SET v = excluded.v, updated_at = excluded.updated_at",
        key, value, now));
  }

  /** Removes the key. Returns false when it was not set. */
  public boolean delete(String key) {
    return database.inTransaction(c -> Sql.update(c, "DELETE FROM kv WHERE k = ?", key) > 0);
  }
}
