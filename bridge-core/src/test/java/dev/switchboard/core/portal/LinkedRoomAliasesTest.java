package dev.switchboard.core.portal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.core.config.ConfigException;
import dev.switchboard.core.connector.Link;
import dev.switchboard.core.id.RoomAlias;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.portal.LinkedRoomAliases.Kind;
import dev.switchboard.core.store.Database;
import dev.switchboard.core.store.PortalStore;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LinkedRoomAliasesTest {
  private static final RoomId PORTAL = RoomId.of("!portal:example.org");
  private static final RoomId HUB = RoomId.of("!hub:example.org");
  private static final RoomAlias PORTAL_ALIAS = RoomAlias.of("#_xmpp_dev_conference.example.net:example.org");

  @TempDir Path dir;
  private Database db;
  private Portals portals;

  @BeforeEach
  void open() {
    db = Database.open("jdbc:sqlite:" + dir.resolve("t.db"), null, null, List.of());
    portals = new Portals(new PortalStore(db, Clock.systemUTC()));
    portals.createPortal(PORTAL, PORTAL_ALIAS, List.of(new Link(PORTAL, "xmpp", "dev@conference.example.net", false)));
    portals.createPlumbedRoom(HUB, List.of(new Link(HUB, "irc", "libera/#hub", true),
        new Link(HUB, "xmpp", "hub@conference.example.net", true)));
  }

  @AfterEach
  void close() {
    db.close();
  }

  private static RoomAlias alias(String local) {
    return RoomAlias.of("#" + local + ":example.org");
  }

  @Test
  void portalsAndUnlinkedRoomsAnswerAlikeWhateverTheSwitch() {
    for (boolean allowed : new boolean[] {false, true}) {
      LinkedRoomAliases aliases = new LinkedRoomAliases(portals, "xmpp", allowed);
      assertThat(aliases.answer(PORTAL_ALIAS, "dev@conference.example.net"))
          .isEqualTo(new LinkedRoomAliases.Answer(Kind.EXISTING, Optional.of(PORTAL)));
      // Another spelling of the portal's remote room: the alias is created, pointing at the portal.
      assertThat(aliases.answer(alias("_xmpp_Dev_conference.example.net"), "dev@conference.example.net"))
          .isEqualTo(new LinkedRoomAliases.Answer(Kind.EXISTING_ALIAS_MISSING, Optional.of(PORTAL)));
      assertThat(aliases.answer(alias("_xmpp_new_conference.example.net"), "new@conference.example.net").kind())
          .isEqualTo(Kind.CREATE);
    }
  }

  @Test
  void anAdminLinkedRemoteRoomLeadsIntoItsRoomOnlyWhenAllowed() {
    RoomAlias hubAlias = alias("_xmpp_hub_conference.example.net");
    assertThat(new LinkedRoomAliases(portals, "xmpp", true).answer(hubAlias, "hub@conference.example.net"))
        .isEqualTo(new LinkedRoomAliases.Answer(Kind.EXISTING_ALIAS_MISSING, Optional.of(HUB)));
    assertThat(new LinkedRoomAliases(portals, "xmpp", false).answer(hubAlias, "hub@conference.example.net"))
        .isEqualTo(new LinkedRoomAliases.Answer(Kind.REFUSED, Optional.empty()));
    // Links of other connectors do not count: the IRC link is irc's business.
    assertThat(new LinkedRoomAliases(portals, "xmpp", true).answer(alias("_xmpp_x_y"), "libera/#hub").kind())
        .isEqualTo(Kind.CREATE);
  }

  @Test
  void theSwitchIsReadFromTheHubBlockAndMustBeABoolean() throws Exception {
    ObjectMapper json = new ObjectMapper();
    assertThat(LinkedRoomAliases.allowed(json.readTree("{}"), "irc")).isFalse();
    assertThat(LinkedRoomAliases.allowed(json.readTree("{\"hub\": {\"portal_aliases\": true}}"), "irc")).isTrue();
    assertThatThrownBy(() -> LinkedRoomAliases.allowed(json.readTree("{\"hub\": {\"portal_aliases\": \"yes\"}}"),
        "xmpp")).isInstanceOf(ConfigException.class).hasMessageContaining("xmpp.hub.portal_aliases");
  }
}
