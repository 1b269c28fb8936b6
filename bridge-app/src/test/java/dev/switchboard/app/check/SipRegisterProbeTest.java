package dev.switchboard.app.check;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.check.CheckResult;
import dev.switchboard.testkit.sip.SippScenario;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code check}'s REGISTER with the trunk's digest credentials, against a SIPp registrar that verifies them. */
class SipRegisterProbeTest {
  @TempDir
  Path dir;

  private SippScenario registrar() throws Exception {
    Path scenario = dir.resolve("registrar-digest.xml");
    Files.copy(SipRegisterProbeTest.class.getResourceAsStream("/sipp/registrar-digest.xml"), scenario);
    return SippScenario.serve(scenario, dir, Duration.ofSeconds(60));
  }

  @Test
  void theRightCredentialsAreAcceptedAndNoBindingIsAsked() throws Exception {
    try (SippScenario trunk = registrar()) {
      CheckResult result = new SipRegisterProbe("127.0.0.1", trunk.port(), "udp", "bridge", Optional.of("bridge"),
          Optional.of("s3cret")).run(Duration.ofSeconds(20));

      assertThat(result.ok()).as(result + "\n" + trunk.messages()).isTrue();
      assertThat(result.detail()).contains("accepted the digest credentials of bridge", "200 OK");
      assertThat(trunk.awaitExit(Duration.ofSeconds(30))).as(trunk::diagnostics).isZero();
      assertThat(trunk.messages()).contains("Authorization: Digest username=\"bridge\"")
          .doesNotContain("Contact:").doesNotContain("s3cret");
    }
  }

  @Test
  void aWrongPasswordFailsWithTheKeysToCheck() throws Exception {
    try (SippScenario trunk = registrar()) {
      CheckResult result = new SipRegisterProbe("127.0.0.1", trunk.port(), "udp", "bridge", Optional.of("bridge"),
          Optional.of("not-the-password")).run(Duration.ofSeconds(20));

      assertThat(result.ok()).isFalse();
      assertThat(result.detail()).isEqualTo("the trunk refused the credentials of bridge (403 Forbidden)");
      assertThat(result.fix().orElseThrow()).contains("sip.trunk.username and sip.trunk.password");
      assertThat(result.toString()).doesNotContain("not-the-password");
    }
  }

  @Test
  void noCredentialsForATrunkThatAsksForThemSaysWhichKeysToSet() throws Exception {
    try (SippScenario trunk = registrar()) {
      CheckResult result = new SipRegisterProbe("127.0.0.1", trunk.port(), "udp", "bridge", Optional.empty(),
          Optional.empty()).run(Duration.ofSeconds(20));

      assertThat(result.ok()).isFalse();
      assertThat(result.detail()).contains("asks for credentials (401 Unauthorized)");
      assertThat(result.fix().orElseThrow()).contains("sip.trunk.username and sip.trunk.password");
    }
  }
}
