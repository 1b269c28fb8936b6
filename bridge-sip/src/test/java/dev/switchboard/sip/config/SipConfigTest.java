package dev.switchboard.sip.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.config.ConfigException;
import dev.switchboard.core.id.UserId;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SipConfigTest {
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  @Test
  void inboundNumbersAreKeyedByTheirE164Form() {
    ObjectNode sip = JSON.objectNode().put("default_country_code", "44");
    sip.putObject("inbound").put("lifetime_ms", 120_000).putObject("numbers")
        .put("020 7123 4001", "@alice:example.org").put("+1 555 0100", "@bob:example.org");

    SipConfig.Inbound inbound = SipConfig.parse(sip).inbound();

    assertThat(inbound.numbers()).containsEntry("+442071234001", UserId.of("@alice:example.org"))
        .containsEntry("+15550100", UserId.of("@bob:example.org"));
    assertThat(inbound.matrixIds()).isTrue();
    assertThat(inbound.lifetime()).isEqualTo(Duration.ofMinutes(2));
  }

  @Test
  void withoutAnInboundSectionPhonesCanDialMatrixIdsAndRingFor90Seconds() {
    SipConfig.Inbound inbound = SipConfig.parse(JSON.objectNode()).inbound();

    assertThat(inbound.numbers()).isEmpty();
    assertThat(inbound.matrixIds()).isTrue();
    assertThat(inbound.lifetime()).isEqualTo(Duration.ofSeconds(90));
  }

  @Test
  void badInboundEntriesAreRefusedNamingTheKey() {
    ObjectNode national = JSON.objectNode();
    national.putObject("inbound").putObject("numbers").put("020 7123 4001", "@alice:example.org");
    assertThatThrownBy(() -> SipConfig.parse(national)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("sip.inbound.numbers.020 7123 4001");

    ObjectNode notAUser = JSON.objectNode();
    notAUser.putObject("inbound").putObject("numbers").put("+442071234001", "alice");
    assertThatThrownBy(() -> SipConfig.parse(notAUser)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("sip.inbound.numbers.+442071234001").hasMessageContaining("Matrix user id");

    ObjectNode ids = JSON.objectNode();
    ids.putObject("inbound").put("matrix_ids", "yes");
    assertThatThrownBy(() -> SipConfig.parse(ids)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("sip.inbound.matrix_ids");
  }

  @Test
  void registrationRegistrarAndLimitsHaveDefaultsAndCheckedValues() {
    ObjectNode sip = JSON.objectNode();
    sip.putObject("trunk").put("host", "sip.example.org").put("username", "4420").put("password", "pw")
        .put("register", true);
    sip.putObject("registrar").put("enabled", true);
    SipConfig config = SipConfig.parse(sip);

    SipConfig.Register register = config.trunk().orElseThrow().register().orElseThrow();
    assertThat(register.expires()).isEqualTo(Duration.ofHours(1));
    assertThat(register.retry()).isEqualTo(Duration.ofMinutes(1));
    assertThat(config.trunk().orElseThrow().accountUser()).isEqualTo("4420");
    SipConfig.Registrar registrar = config.registrar().orElseThrow();
    assertThat(registrar.realm()).isEqualTo("127.0.0.1");
    assertThat(registrar.keepalive()).isEqualTo(Duration.ofSeconds(30));
    assertThat(config.limits().maxConcurrentPerUser()).isEqualTo(4);
    assertThat(config.limits().maxDuration()).isEqualTo(Duration.ofHours(4));
    assertThat(SipConfig.parse(JSON.objectNode()).registrar()).isEmpty();

    ObjectNode badRegister = JSON.objectNode();
    badRegister.putObject("trunk").put("host", "sip.example.org").put("register", "yes");
    assertThatThrownBy(() -> SipConfig.parse(badRegister)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("sip.trunk.register");
    ObjectNode badLimit = JSON.objectNode();
    badLimit.putObject("call").put("max_concurrent_per_user", 0);
    assertThatThrownBy(() -> SipConfig.parse(badLimit)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("sip.call.max_concurrent_per_user");
    ObjectNode badRealm = JSON.objectNode();
    badRealm.putObject("registrar").put("enabled", true).put("realm", "a\"b");
    assertThatThrownBy(() -> SipConfig.parse(badRealm)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("sip.registrar.realm");
  }

  @Test
  void trunkKeepaliveIsOffByDefaultAndMustBeAWholeNumberOfSeconds() {
    ObjectNode sip = JSON.objectNode();
    sip.putObject("trunk").put("host", "sip.example.org");
    assertThat(SipConfig.parse(sip).trunk().orElseThrow().keepalive()).isEqualTo(Duration.ZERO);
    ((ObjectNode) sip.path("trunk")).put("keepalive_seconds", 25);
    assertThat(SipConfig.parse(sip).trunk().orElseThrow().keepalive()).isEqualTo(Duration.ofSeconds(25));
    ((ObjectNode) sip.path("trunk")).put("keepalive_seconds", -1);
    assertThatThrownBy(() -> SipConfig.parse(sip)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("sip.trunk.keepalive_seconds");
    ((ObjectNode) sip.path("trunk")).put("keepalive_seconds", "often");
    assertThatThrownBy(() -> SipConfig.parse(sip)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("sip.trunk.keepalive_seconds");
  }

  @Test
  void theDialPlanHomeIsTheDefaultCountryAndRateLimitsHaveDefaults() {
    SipConfig config = SipConfig.parse(JSON.objectNode().put("default_country_code", "+44"));

    assertThat(config.dialPlan().homeCountryCodes()).containsExactly("44");
    assertThat(config.dialPlan().federated()).isFalse();
    assertThat(config.dialPlan().premiumPrefixes()).containsExactly("+449", "+4487", "+44118");
    assertThat(config.rateLimits()).isEqualTo(SipConfig.RateLimits.defaults());
    assertThat(config.rateLimits().calls().perUser()).isEqualTo(5);
    assertThat(config.rateLimits().calls().global()).isEqualTo(30);
    assertThat(SipConfig.parse(JSON.objectNode()).dialPlan().homeCountryCodes()).isEmpty();

    ObjectNode limits = JSON.objectNode();
    limits.putObject("rate_limits").put("texts_per_minute", 0).put("calls_per_user_per_minute", 2);
    SipConfig.RateLimits parsed = SipConfig.parse(limits).rateLimits();
    assertThat(parsed.texts().global()).isZero();
    assertThat(parsed.calls().perUser()).isEqualTo(2);

    ObjectNode bad = JSON.objectNode();
    bad.putObject("rate_limits").put("calls_per_minute", -1);
    assertThatThrownBy(() -> SipConfig.parse(bad)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("sip.rate_limits.calls_per_minute");
  }
}
