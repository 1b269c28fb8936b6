package dev.switchboard.core.store;

import dev.switchboard.testkit.postgres.PostgresServer;
import java.nio.file.Path;
import java.util.List;

/**
 * The database engines every store test runs on, as the parameter of a {@code @ParameterizedClass}. Each call of
 * {@link #freshUrl} names a new, empty database.
 */
enum Engine {
  SQLITE {
    @Override
    String freshUrl(Path tempDir) {
      return "jdbc:sqlite:" + tempDir.resolve("switchboard-" + System.nanoTime() + ".db");
    }

    @Override
    String user() {
      return "";
    }
  },
  /** Skips locally when PostgreSQL is not installed, fails under CI (see {@code RealServers}). */
  POSTGRESQL {
    @Override
    String freshUrl(Path tempDir) {
      return PostgresServer.shared().createDatabase();
    }

    @Override
    String user() {
      return PostgresServer.USER;
    }
  };

  abstract String freshUrl(Path tempDir);

  abstract String user();

  /** Opens (and migrates) the database at {@code url}. */
  Database open(String url) {
    return Database.open(url, user(), "", List.of());
  }

  /** Opens a new, empty, migrated database. */
  Database openFresh(Path tempDir) {
    return open(freshUrl(tempDir));
  }
}
