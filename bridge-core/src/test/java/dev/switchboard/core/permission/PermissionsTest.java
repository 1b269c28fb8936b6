package dev.switchboard.core.permission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.switchboard.core.config.ConfigException;
import dev.switchboard.core.id.UserId;
import org.junit.jupiter.api.Test;

class PermissionsTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private static Permissions parse(String yaml) throws Exception {
    JsonNode node = YAML.readTree(yaml);
    return Permissions.fromConfig(node, "example.org");
  }

  private static UserId u(String id) {
    return UserId.of(id);
  }

  @Test
  void byDefaultTheOwnDomainIsUserAndNobodyIsAdmin() {
    Permissions p = Permissions.fromConfig(null, "example.org");
    assertThat(p.levelOf(u("@alice:example.org"))).isEqualTo(Level.USER);
    assertThat(p.levelOf(u("@mallory:evil.example"))).isEqualTo(Level.NONE);
    assertThat(p.anyAdmin()).isFalse();
  }

  @Test
  void aUserIdBeatsItsDomainWhichBeatsTheWildcard() throws Exception {
    Permissions p = parse("""
        "*": relay
        "partner.org": user
        "@boss:partner.org": admin
        "@intern:example.org": relay
        """);
    assertThat(p.levelOf(u("@boss:partner.org"))).isEqualTo(Level.ADMIN);
    assertThat(p.levelOf(u("@worker:partner.org"))).isEqualTo(Level.USER);
    assertThat(p.levelOf(u("@anyone:elsewhere.net"))).isEqualTo(Level.RELAY);
    assertThat(p.levelOf(u("@intern:example.org"))).isEqualTo(Level.RELAY);
    assertThat(p.levelOf(u("@alice:example.org"))).isEqualTo(Level.USER);
    assertThat(p.anyAdmin()).isTrue();
  }

  @Test
  void aMoreSpecificEntryMayAlsoLowerTheLevel() throws Exception {
    Permissions p = parse("""
        "*": admin
        "example.org": none
        """);
    assertThat(p.levelOf(u("@alice:example.org"))).isEqualTo(Level.NONE);
    assertThat(p.levelOf(u("@bob:other.org"))).isEqualTo(Level.ADMIN);
  }

  @Test
  void serverNamesCompareCaseInsensitivelyButUserIdsExactly() throws Exception {
    Permissions p = parse("""
        "Partner.ORG": user
        "@Boss:partner.org": admin
        """);
    assertThat(p.levelOf(u("@x:partner.org"))).isEqualTo(Level.USER);
    assertThat(p.levelOf(u("@boss:partner.org"))).isEqualTo(Level.USER);
    assertThat(p.levelOf(u("@Boss:partner.org"))).isEqualTo(Level.ADMIN);
  }

  @Test
  void requireThrowsWithTheLevelsNamed() throws Exception {
    Permissions p = parse("\"@root:example.org\": admin\n");
    p.require(u("@root:example.org"), Level.ADMIN);
    assertThatThrownBy(() -> p.require(u("@alice:example.org"), Level.ADMIN))
        .isInstanceOf(PermissionDeniedException.class)
        .hasMessageContaining("user").hasMessageContaining("admin");
    assertThat(p.allows(u("@alice:example.org"), Level.RELAY)).isTrue();
  }

  @Test
  void badEntriesAreRejectedNamingTheKey() {
    assertThatThrownBy(() -> parse("\"@alice:example.org\": superuser\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("permissions.\"@alice:example.org\"").hasMessageContaining("relay, user, admin");
    assertThatThrownBy(() -> parse("\"@nocolon\": user\n"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("permissions.\"@nocolon\"")
        .hasMessageContaining("user id");
    assertThatThrownBy(() -> parse("\"not a domain!\": user\n"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("permissions.\"not a domain!\"");
    assertThatThrownBy(() -> parse("\"example.org\": [admin]\n"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("permissions.\"example.org\"");
    assertThatThrownBy(() -> parse("- admin\n"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("permissions must be a mapping");
  }
}
