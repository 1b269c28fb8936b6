package dev.switchboard.core.store;

import dev.switchboard.testkit.postgres.PostgresServer;
import java.nio.file.Path;
import java.util.List;

/**
 * The database engines every store test runs on, as the parameter of a {@code @ParameterizedClass}. Each call of
 * {@link #freshUrl} names a new, empty database.
 */
public enum Engine {
  SQLITE {
    @Override
    public String freshUrl(Path tempDir) {
      return "jdbc:sqlite:" + tempDir.resolve("switchboard-" + System.nanoTime() + ".db");
    }

    @Override
    public String user() {
      return "";
    }
  },
  /** Skips locally when PostgreSQL is not installed, fails under CI (see {@code RealServers}). */
  POSTGRESQL {
    @Override
    public String freshUrl(Path tempDir) {
      return PostgresServer.shared().createDatabase();
    }

    @Override
    public String user() {
      return PostgresServer.USER;
    }
  };

  public abstract String freshUrl(Path tempDir);

  public abstract String user();

  /** Opens (and migrates) the database at {@code url}. */
  public Database open(String url) {
    return Database.open(url, user(), "", List.of());
  }

  /** Opens a new, empty, migrated database. */
  public Database openFresh(Path tempDir) {
    return open(freshUrl(tempDir));
  }
}
