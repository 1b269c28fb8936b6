package dev.switchboard.app.check;

import dev.switchboard.core.check.CheckResult;
import dev.switchboard.core.config.BridgeConfig;
import dev.switchboard.core.store.SecretBox;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

/** The database and the secret key, looked at without changing them (no migration, no new files). */
public final class StoreChecks {
  private final BridgeConfig cfg;

  public StoreChecks(BridgeConfig cfg) {
    this.cfg = cfg;
  }

  public CheckResult database() {
    String url = cfg.database().url();
    Properties props = new Properties();
    if (url.startsWith("jdbc:sqlite:")) {
      String file = url.substring("jdbc:sqlite:".length());
      Path path = Path.of(file);
      if (!Files.exists(path)) {
        Path dir = path.toAbsolutePath().getParent();
        return Files.isDirectory(dir) && Files.isWritable(dir)
            ? CheckResult.ok("SQLite file " + path + " does not exist yet; the first start creates it")
            : CheckResult.failed("SQLite file " + path + " cannot be created: " + dir + " is not a writable directory",
                "create the directory, or set database.url to a writable place");
      }
      if (!Files.isWritable(path)) {
        return CheckResult.failed("SQLite file " + path + " is not writable by this user",
            "chown/chmod it for the user the bridge runs as");
      }
      props.setProperty("open_mode", "1"); // SQLITE_OPEN_READONLY
    } else {
      props.setProperty("user", cfg.database().user());
      props.setProperty("password", cfg.database().password());
      props.setProperty("connectTimeout", "10");
    }
    try (Connection c = DriverManager.getConnection(url, props); Statement s = c.createStatement()) {
      String product = c.getMetaData().getDatabaseProductName() + " " + c.getMetaData().getDatabaseProductVersion();
      String schema;
      try (ResultSet r = s.executeQuery("SELECT MAX(version_rank), COUNT(*) FROM flyway_schema_history "
          + "WHERE success")) {
        schema = r.next() && r.getInt(2) > 0 ? r.getInt(2) + " migrations applied" : "no migrations yet";
      } catch (SQLException noTable) {
        schema = "no migrations yet (the first start applies them)";
      }
      return CheckResult.ok(product + ", " + schema);
    } catch (SQLException e) {
      return CheckResult.failed("cannot open the database: " + e.getMessage(),
          url.startsWith("jdbc:postgresql:")
              ? "check database.url, database.user and database.password (or SWITCHBOARD_DATABASE_PASSWORD), and "
                  + "that PostgreSQL accepts this host (pg_hba.conf); see docs/install.md#postgresql"
              : "check database.url and the file's permissions");
    }
  }

  public CheckResult secretKey() {
    if (!cfg.database().secretKey().isEmpty()) {
      try {
        SecretBox.fromBase64(cfg.database().secretKey());
        return CheckResult.ok("database.secret_key is a valid key");
      } catch (RuntimeException e) {
        return CheckResult.failed("database.secret_key is not usable: " + e.getMessage(),
            "set it to the base64 of 32 random bytes (openssl rand -base64 32)");
      }
    }
    Path file = cfg.database().secretKeyFile();
    if (!Files.exists(file)) {
      return CheckResult.ok("key file " + file + " does not exist yet; the first start creates it (back it up)");
    }
    try {
      SecretBox.fromKeyFile(file);
      return CheckResult.ok("key file " + file + " is readable and valid");
    } catch (RuntimeException e) {
      return CheckResult.failed("key file " + file + " is not usable: " + e.getMessage(),
          "restore it from backup; without it, stored passwords cannot be read");
    }
  }
}
