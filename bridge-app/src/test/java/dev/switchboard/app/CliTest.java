package dev.switchboard.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.switchboard.registration.Registration;
import dev.switchboard.testkit.spec.SpecSchemas;
import dev.switchboard.registration.RegistrationFile;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliTest {
  @TempDir
  Path dir;

  @Test
  void theFirstStartWritesTheCommentedConfigAndTheRegistrationAndStops() throws Exception {
    Path config = dir.resolve("config.yaml");
    assertThat(Main.execute("run", "--config", config.toString())).isZero();
    assertThat(Files.readString(config)).contains("# Switchboard configuration.", "homeserver:", "jdbc:sqlite:");
    assertThat(RegistrationFile.read(dir.resolve("registration.yaml")).senderLocalpart()).isEqualTo("switchboard");
    // Both files will hold secrets (the shared secret and passwords, the tokens): owner-only from the start.
    for (String file : java.util.List.of("config.yaml", "registration.yaml")) {
      assertThat(java.nio.file.attribute.PosixFilePermissions.toString(
          Files.getPosixFilePermissions(dir.resolve(file)))).as(file).isEqualTo("rw-------");
    }
  }

  @Test
  void registrationCommandWritesTheFileAndKeepsTokensOnTheSecondRun() throws Exception {
    Path config = dir.resolve("config.yaml");
    Main.execute("run", "--config", config.toString());
    String text = Files.readString(config);
    for (String connector : java.util.List.of("irc", "xmpp", "sip")) {
      // Only the connectors: the provisioning section's switch needs a shared secret as well.
      text = text.replace(connector + ":\n  enabled: false", connector + ":\n  enabled: true");
    }
    Files.writeString(config, text);
    Path out = dir.resolve("reg.yaml");

    assertThat(Main.execute("registration", "--config", config.toString(), "--output", out.toString())).isZero();
    Registration first = RegistrationFile.read(out);
    assertThat(Main.execute("registration", "--config", config.toString(), "--output", out.toString())).isZero();
    Registration second = RegistrationFile.read(out);

    assertThat(first.protocols()).containsExactly("irc", "xmpp", "sip", "m.protocol.pstn",
        "im.vector.protocol.pstn");
    assertThat(first.namespaces().claimsUser("@_irc_libera_alice:example.org")).isTrue();
    assertThat(first.namespaces().claimsUser("@_sip_+4420:example.org")).isTrue();
    assertThat(first.namespaces().claimsAlias("#_xmpp_room_muc.example.org:example.org")).isTrue();
    assertThat(second.asToken()).isEqualTo(first.asToken());
    assertThat(second.hsToken()).isEqualTo(first.hsToken());
    assertThat(Files.readString(out)).contains("de.sorunome.msc2409.push_ephemeral: true", "receive_ephemeral: true");
    JsonNode asJson = new ObjectMapper(new YAMLFactory()).readTree(out.toFile());
    assertThat(SpecSchemas.load().validate("data/api/application-service/definitions/registration.yaml", asJson))
        .as("the written registration validates against the spec schema").isEmpty();
    assertThat(SpecSchemas.load().validate("data/api/application-service/definitions/registration.yaml",
        ((com.fasterxml.jackson.databind.node.ObjectNode) asJson.deepCopy()).put("rate_limited", "no")))
        .as("the validator does catch a wrong type").isNotEmpty();
  }

  @Test
  void aBadConfigExitsWithCode2AndAClearMessage() throws Exception {
    Path config = dir.resolve("config.yaml");
    Files.writeString(config, "homeserver:\n  url: nope\n");
    assertThat(Main.execute("registration", "--config", config.toString(), "--output",
        dir.resolve("r.yaml").toString())).isEqualTo(2);
  }
}
