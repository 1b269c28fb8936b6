package dev.switchboard.testkit.homeserver;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.testkit.spec.SpecSchemas;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AppServiceRegistrationTest {
  @TempDir
  Path dir;

  @Test
  void aRegistrationFileIsReadWithTheUnstableEphemeralFlag() throws Exception {
    Path file = dir.resolve("registration.yaml");
    String yaml = """
        id: switchboard
        url: http://127.0.0.1:9000
        as_token: aaa
        hs_token: hhh
        sender_localpart: switchboard
        rate_limited: false
        de.sorunome.msc2409.push_ephemeral: true
        namespaces:
          users:
            - exclusive: true
              regex: '@_irc_.*:example\\.org'
          aliases:
            - exclusive: true
              regex: '#_irc_.*:example\\.org'
          rooms: []
        """;
    Files.writeString(file, yaml);

    AppServiceRegistration reg = AppServiceRegistration.fromYaml(file);

    assertThat(reg.receiveEphemeral()).isTrue();
    assertThat(reg.isExclusiveUser("@_irc_alice:example.org")).isTrue();
    assertThat(reg.isInterestedInAlias("#_irc_#java:example.org")).isTrue();
    assertThat(SpecSchemas.load().validate("data/api/application-service/definitions/registration.yaml",
        new com.fasterxml.jackson.databind.ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory())
            .readTree(yaml))).isEmpty();
  }

  @Test
  void namespacesMatchLikePythonReMatchAnchoredAtTheStartOnly() {
    AppServiceRegistration reg = AppServiceRegistration.builder("x").users("@_x_.*:example\\.org", true).build();

    assertThat(reg.isExclusiveUser("@_x_a:example.org.evil")).isTrue();
    assertThat(reg.isExclusiveUser("@bob@_x_a:example.org")).isFalse();
    assertThat(reg.isInterestedInUser("@xbot:example.org", "example.org")).isTrue();
  }
}
