package dev.switchboard.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

@ParameterizedClass(name = "{0}")
@EnumSource(Engine.class)
class KvStoreTest {
  @Parameter Engine engine;
  @TempDir Path tempDir;
  private Database database;
  private KvStore kv;

  @BeforeEach
  void open() {
    database = engine.openFresh(tempDir);
    kv = new KvStore(database, Clock.systemUTC());
  }

  @AfterEach
  void close() {
    if (database != null) { // null when opening skipped or failed
      database.close();
    }
  }

  @Test
  void aValueReadsBackAndTheLatestPutWins() {
    kv.put("irc.libera.last_seen", "100");
    kv.put("irc.libera.last_seen", "250");

    assertThat(kv.get("irc.libera.last_seen")).contains("250");
    assertThat(kv.get("irc.oftc.last_seen")).isEmpty();
  }

  @Test
  void aDeletedKeyIsGone() {
    kv.put("version", "1");

    assertThat(kv.delete("version")).isTrue();
    assertThat(kv.delete("version")).isFalse();
    assertThat(kv.get("version")).isEmpty();
  }

  @Test
  void anEmptyValueIsNotAMissingOne() {
    kv.put("note", "");

    assertThat(kv.get("note")).contains("");
  }
}
