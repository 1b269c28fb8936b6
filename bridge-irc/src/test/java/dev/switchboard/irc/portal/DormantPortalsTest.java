package dev.switchboard.irc.portal;

import dev.switchboard.irc.IrcConfig;
import dev.switchboard.irc.RecordingIntents;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.core.id.RoomAlias;
import dev.switchboard.core.portal.Portals;
import dev.switchboard.core.store.Database;
import dev.switchboard.core.store.KvStore;
import dev.switchboard.core.store.PortalStore;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Portals an alias query creates wait for a user before the bot joins their channel, also across restarts
 * (ChannelPortals with dormancy in core's kv table); {@code !irc join} opens them active.
 */
class DormantPortalsTest {
  private static final ChannelRef QUIET = ChannelRef.ofRemoteId("test/#quiet").orElseThrow();
  private static final ChannelRef BUSY = ChannelRef.ofRemoteId("test/#busy").orElseThrow();

  @TempDir
  Path dir;
  private Database database;
  private final List<ChannelRef> joined = new CopyOnWriteArrayList<>();

  @BeforeEach
  void open() {
    database = Database.open("jdbc:sqlite:" + dir.resolve("bridge.db"), null, null, List.of("irc"));
  }

  @AfterEach
  void close() {
    database.close();
  }

  /** One run of the bridge: a fresh ChannelPortals over the same database. */
  private ChannelPortals start() throws Exception {
    IrcConfig config = IrcConfig.parse(new ObjectMapper().readTree(
        "{\"networks\":{\"test\":{\"host\":\"127.0.0.1\",\"nick\":\"switchboard\"}}}"));
    return new ChannelPortals(new Portals(new PortalStore(database, Clock.systemUTC())),
        new RecordingIntents("test.local").bot(), "_irc_", config::network, joined::add, Runnable::run)
        .withDormancy(new KvStore(database, Clock.systemUTC()));
  }

  @Test
  void anAliasQueryMakesADormantPortalThatStaysDormantAcrossARestartUntilWoken() throws Exception {
    ChannelPortals first = start();
    first.load();
    assertThat(first.open(RoomAlias.of("#_irc_test_#quiet:test.local")).get(5, TimeUnit.SECONDS)).isPresent();

    assertThat(first.isDormant(QUIET)).isTrue();
    assertThat(joined).isEmpty();

    ChannelPortals second = start();
    assertThat(second.load()).isEmpty();
    assertThat(second.isDormant(QUIET)).isTrue();
    second.activate(QUIET).get(5, TimeUnit.SECONDS);
    assertThat(joined).containsExactly(QUIET);
    assertThat(second.isDormant(QUIET)).isFalse();

    assertThat(start().load()).containsExactly(QUIET);
  }

  @Test
  void aPortalOpenedForAUserIsActiveAtOnceAndWakesADormantOne() throws Exception {
    ChannelPortals portals = start();
    portals.load();
    portals.open(RoomAlias.of("#_irc_test_#busy:test.local"), true).get(5, TimeUnit.SECONDS);
    assertThat(joined).containsExactly(BUSY);
    assertThat(portals.isDormant(BUSY)).isFalse();

    portals.open(RoomAlias.of("#_irc_test_#quiet:test.local")).get(5, TimeUnit.SECONDS);
    assertThat(joined).containsExactly(BUSY);
    portals.open(RoomAlias.of("#_irc_test_#quiet:test.local"), true).get(5, TimeUnit.SECONDS);
    assertThat(joined).contains(QUIET);
    assertThat(start().load()).containsExactlyInAnyOrder(BUSY, QUIET);
  }
}
