package dev.switchboard.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.core.connector.Link;
import dev.switchboard.core.id.RoomAlias;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.store.PortalStore.Portal;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

@ParameterizedClass(name = "{0}")
@EnumSource(Engine.class)
class PortalStoreTest {
  private static final Instant NOW = Instant.parse("2025-03-01T12:00:00.123Z");
  private static final RoomId JAVA_ROOM = RoomId.of("!java:example.org");
  private static final RoomAlias JAVA_ALIAS = RoomAlias.of("#_irc_libera_#java:example.org");
  private static final Link JAVA_ON_LIBERA = new Link(JAVA_ROOM, "irc", "libera/#java", false);
  private static final Link JAVA_MUC = new Link(JAVA_ROOM, "xmpp", "java@conference.example.net", true);

  @Parameter Engine engine;
  @TempDir Path tempDir;
  private Database database;
  private PortalStore portals;

  @BeforeEach
  void open() {
    database = engine.openFresh(tempDir);
    portals = new PortalStore(database, Clock.fixed(NOW, ZoneOffset.UTC));
  }

  @AfterEach
  void close() {
    if (database != null) { // null when opening skipped or failed
      database.close();
    }
  }

  @Test
  void aPortalCreatedFromAnAliasIsFoundByRoomAndByAlias() {
    Portal created = portals.createPortal(JAVA_ROOM, JAVA_ALIAS, List.of(JAVA_ON_LIBERA));

    assertThat(created).isEqualTo(new Portal(JAVA_ROOM, Optional.of(JAVA_ALIAS), false, NOW));
    assertThat(portals.portal(JAVA_ROOM)).contains(created);
    assertThat(portals.portalByAlias(JAVA_ALIAS)).contains(created);
    assertThat(portals.linksOfRoom(JAVA_ROOM)).containsExactly(JAVA_ON_LIBERA);
  }

  @Test
  void aPlumbedRoomHasNoAliasAndSaysItIsPlumbed() {
    RoomId existing = RoomId.of("!team:example.org");
    Link plumbed = new Link(existing, "irc", "libera/#team", true);

    portals.createPlumbedRoom(existing, List.of(plumbed));

    assertThat(portals.portal(existing)).contains(new Portal(existing, Optional.empty(), true, NOW));
    assertThat(portals.linkOfRemote("irc", "libera/#team")).contains(plumbed);
  }

  @Test
  void aRoomCanBeLinkedToAnIrcChannelAndAMucAtOnce() {
    portals.createPortal(JAVA_ROOM, JAVA_ALIAS, List.of(JAVA_ON_LIBERA));

    boolean added = portals.addLink(JAVA_MUC);

    assertThat(added).isTrue();
    assertThat(portals.linksOfRoom(JAVA_ROOM)).containsExactly(JAVA_ON_LIBERA, JAVA_MUC);
    assertThat(portals.linkOfRemote("xmpp", "java@conference.example.net")).contains(JAVA_MUC);
    assertThat(portals.linkOfRemote("irc", "libera/#java")).contains(JAVA_ON_LIBERA);
  }

  @Test
  void addingTheSameLinkAgainChangesNothing() {
    portals.createPortal(JAVA_ROOM, JAVA_ALIAS, List.of(JAVA_ON_LIBERA));

    assertThat(portals.addLink(JAVA_ON_LIBERA)).isFalse();
    assertThat(portals.linksOfRoom(JAVA_ROOM)).containsExactly(JAVA_ON_LIBERA);
  }

  @Test
  void aChannelLinkedToOneRoomCannotBeLinkedToAnother() {
    portals.createPortal(JAVA_ROOM, JAVA_ALIAS, List.of(JAVA_ON_LIBERA));
    RoomId other = RoomId.of("!other:example.org");
    portals.createPlumbedRoom(other, List.of());

    assertThatThrownBy(() -> portals.addLink(new Link(other, "irc", "libera/#java", true)))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("libera/#java")
        .hasMessageContaining("already linked to !java:example.org");
    assertThat(portals.linksOfRoom(other)).isEmpty();
  }

  @Test
  void aRoomWithoutPortalCannotBeLinked() {
    assertThatThrownBy(() -> portals.addLink(JAVA_ON_LIBERA))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("has no portal");
  }

  @Test
  void aSecondPortalForTheSameAliasIsRefusedAndLeavesNoLinks() {
    portals.createPortal(JAVA_ROOM, JAVA_ALIAS, List.of(JAVA_ON_LIBERA));
    RoomId twin = RoomId.of("!twin:example.org");

    assertThatThrownBy(() -> portals.createPortal(twin, JAVA_ALIAS,
        List.of(new Link(twin, "xmpp", "twin@conference.example.net", false))))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("already names portal !java:example.org");
    assertThat(portals.portal(twin)).isEmpty();
    assertThat(portals.linkOfRemote("xmpp", "twin@conference.example.net")).isEmpty();
  }

  @Test
  void aFailedCreationRollsBackThePortalToo() {
    portals.createPortal(JAVA_ROOM, JAVA_ALIAS, List.of(JAVA_ON_LIBERA));
    RoomId other = RoomId.of("!other:example.org");

    assertThatThrownBy(() -> portals.createPlumbedRoom(other, List.of(new Link(other, "irc", "libera/#java", true))))
        .isInstanceOf(StoreException.class);
    assertThat(portals.portal(other)).isEmpty();
  }

  @Test
  void aRoomAlreadyKnownCannotBeCreatedAgain() {
    portals.createPortal(JAVA_ROOM, JAVA_ALIAS, List.of());

    assertThatThrownBy(() -> portals.createPlumbedRoom(JAVA_ROOM, List.of()))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("already has a portal");
  }

  @Test
  void aLinkForAnotherRoomIsAProgrammingError() {
    assertThatThrownBy(() -> portals.createPortal(RoomId.of("!elsewhere:example.org"), JAVA_ALIAS,
        List.of(JAVA_ON_LIBERA)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void removingALinkKeepsThePortalAndItsOtherLinks() {
    portals.createPortal(JAVA_ROOM, JAVA_ALIAS, List.of(JAVA_ON_LIBERA, JAVA_MUC));

    assertThat(portals.removeLink(JAVA_MUC)).isTrue();
    assertThat(portals.removeLink(JAVA_MUC)).isFalse();

    assertThat(portals.linksOfRoom(JAVA_ROOM)).containsExactly(JAVA_ON_LIBERA);
    assertThat(portals.linkOfRemote("xmpp", "java@conference.example.net")).isEmpty();
    assertThat(portals.portal(JAVA_ROOM)).isPresent();
  }

  @Test
  void linksOfAProtocolSpanEveryRoomButNoOtherProtocol() {
    RoomId rust = RoomId.of("!rust:example.org");
    Link rustOnOftc = new Link(rust, "irc", "oftc/#rust", false);
    portals.createPortal(JAVA_ROOM, JAVA_ALIAS, List.of(JAVA_ON_LIBERA, JAVA_MUC));
    portals.createPortal(rust, RoomAlias.of("#_irc_oftc_#rust:example.org"), List.of(rustOnOftc));

    assertThat(portals.linksOfProtocol("irc")).containsExactly(JAVA_ON_LIBERA, rustOnOftc);
    assertThat(portals.linksOfProtocol("xmpp")).containsExactly(JAVA_MUC);
    assertThat(portals.linksOfProtocol("sip")).isEmpty();
  }

  @Test
  void deletingAPortalRemovesItsLinks() {
    portals.createPortal(JAVA_ROOM, JAVA_ALIAS, List.of(JAVA_ON_LIBERA, JAVA_MUC));

    assertThat(portals.deletePortal(JAVA_ROOM)).isTrue();

    assertThat(portals.portal(JAVA_ROOM)).isEmpty();
    assertThat(portals.linksOfRoom(JAVA_ROOM)).isEmpty();
    assertThat(portals.linkOfRemote("irc", "libera/#java")).isEmpty();
    assertThat(portals.deletePortal(JAVA_ROOM)).isFalse();
  }
}
