package dev.switchboard.sip.dialplan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.switchboard.core.config.ConfigException;
import dev.switchboard.core.config.ConfigSection;
import dev.switchboard.core.permission.Level;
import dev.switchboard.sip.address.Dialable;
import dev.switchboard.sip.dialplan.Decision.Refused;
import dev.switchboard.sip.dialplan.Decision.Why;
import dev.switchboard.sip.dialplan.DialPlan.Use;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DialPlanTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  /** A DNS of three names: one public, one that points at the bridge's own network, one at loopback. */
  private static final Map<String, String> DNS = Map.of("pbx.example.org", "198.51.100.7",
      "sneaky.example.org", "10.1.2.3", "loop.example.org", "127.0.0.1");
  private static final HostResolver RESOLVER = host -> {
    String address = DNS.get(host);
    if (address == null && !host.matches("[0-9.]+|[0-9a-fA-F:.]+")) {
      throw new UnknownHostException(host);
    }
    return new InetAddress[] {InetAddress.getByName(address == null ? host : address)};
  };

  private static DialPlan plan(String yaml, String defaultCountry) throws Exception {
    return new DialPlan(DialPlanSettings.parse(ConfigSection.of(yaml.isEmpty() ? YAML.missingNode()
        : YAML.readTree(yaml), "sip.dial_plan"), Optional.ofNullable(defaultCountry)), RESOLVER);
  }

  private static Dialable number(String e164) {
    return new Dialable.Number(e164);
  }

  private static Dialable address(String user, String host) {
    return new Dialable.SipAddress(user, host);
  }

  private static Why why(Decision d) {
    assertThat(d).isInstanceOf(Refused.class);
    return ((Refused) d).why();
  }

  @Test
  void byDefaultAUserCallsHomeNumbersButNotPremiumInternationalOrEmergency() throws Exception {
    DialPlan uk = plan("", "44");
    assertThat(uk.decide(Level.USER, false, number("+442071234567"), Use.CALL).allowed()).isTrue();
    assertThat(uk.decide(Level.USER, false, number("+447700900123"), Use.TEXT).allowed()).isTrue();

    Decision premium = uk.decide(Level.USER, false, number("+449012345678"), Use.CALL);
    assertThat(why(premium)).isEqualTo(Why.PREMIUM);
    assertThat(((Refused) premium).notice()).isEqualTo("Calls to +449012345678 are not allowed by this bridge's "
        + "dial plan (premium rate).");
    assertThat(why(uk.decide(Level.USER, false, number("+448712345678"), Use.CALL))).isEqualTo(Why.PREMIUM);
    assertThat(why(uk.decide(Level.USER, false, number("+44118118"), Use.TEXT))).isEqualTo(Why.PREMIUM);

    Decision abroad = uk.decide(Level.USER, false, number("+33123456789"), Use.TEXT);
    assertThat(why(abroad)).isEqualTo(Why.INTERNATIONAL);
    assertThat(((Refused) abroad).notice()).isEqualTo("Texts to +33123456789 are not allowed by this bridge's dial "
        + "plan (international; it calls +44 numbers only).");

    Decision emergency = uk.decide(Level.ADMIN, false, number("+44999"), Use.CALL);
    assertThat(why(emergency)).isEqualTo(Why.EMERGENCY);
    assertThat(((Refused) emergency).notice()).startsWith("This bridge does not place emergency calls or texts (999)");
    assertThat(why(uk.decide(Level.USER, false, number("+112"), Use.CALL))).isEqualTo(Why.EMERGENCY);
    assertThat(uk.emergencyTyped(" 911 ")).isPresent();
    assertThat(uk.emergencyTyped("02071234567")).isEmpty();
  }

  @Test
  void nanpPremiumAndCaribbeanRangesAreRefusedAtHomeCodeOne() throws Exception {
    DialPlan us = plan("", "1");
    assertThat(us.decide(Level.USER, false, number("+12125550123"), Use.CALL).allowed()).isTrue();
    assertThat(why(us.decide(Level.USER, false, number("+19005550123"), Use.CALL))).isEqualTo(Why.PREMIUM);
    assertThat(why(us.decide(Level.USER, false, number("+19765550123"), Use.CALL))).isEqualTo(Why.PREMIUM);
    assertThat(why(us.decide(Level.USER, false, number("+18765550123"), Use.CALL))).isEqualTo(Why.INTERNATIONAL);
    assertThat(why(us.decide(Level.USER, false, number("+1911"), Use.CALL))).isEqualTo(Why.EMERGENCY);
  }

  @Test
  void withoutAHomeCountryNoNumberIsAllowedUnlessListed() throws Exception {
    DialPlan none = plan("", null);
    Decision d = none.decide(Level.USER, false, number("+442071234567"), Use.CALL);
    assertThat(why(d)).isEqualTo(Why.INTERNATIONAL);
    assertThat(((Refused) d).notice()).contains("no home country code is set");
    assertThat(plan("user: {allow: ['+4420']}", null).decide(Level.USER, false, number("+442071234567"), Use.CALL)
        .allowed()).isTrue();
  }

  @ParameterizedTest
  @CsvSource({"NONE, LEVEL", "RELAY, LEVEL"})
  void onlyUsersAndAdminsCallOrText(Level level, Why why) throws Exception {
    Decision d = plan("", "44").decide(level, false, number("+442071234567"), Use.CALL);
    assertThat(why(d)).isEqualTo(why);
    if (level == Level.RELAY) {
      assertThat(((Refused) d).notice()).isEqualTo("Calls to phones need permission level user: the bridge cannot "
          + "speak for relay users on a phone line.");
    }
  }

  @Test
  void federatedUsersStayOffTheTrunkUnlessAllowed() throws Exception {
    assertThat(why(plan("", "44").decide(Level.ADMIN, true, number("+442071234567"), Use.CALL)))
        .isEqualTo(Why.FEDERATED);
    assertThat(why(plan("", "44").decide(Level.USER, true, address("bob", "pbx.example.org"), Use.TEXT)))
        .isEqualTo(Why.FEDERATED);
    assertThat(plan("federated: true", "44").decide(Level.USER, true, number("+442071234567"), Use.CALL)
        .allowed()).isTrue();
  }

  @Test
  void allowListsLiftDefaultRefusalsPerLevelAndDenyWins() throws Exception {
    DialPlan p = plan("""
        admin: {allow: ['+'], deny: ['+4487']}
        user: {allow: ['^\\+33[1-5][0-9]{8}$'], deny: ['+44207946']}
        """, "44");
    assertThat(p.decide(Level.ADMIN, false, number("+12125550123"), Use.CALL).allowed()).isTrue();
    assertThat(p.decide(Level.ADMIN, false, number("+449012345678"), Use.CALL).allowed()).isTrue();
    assertThat(why(p.decide(Level.ADMIN, false, number("+448712345678"), Use.CALL))).isEqualTo(Why.DENIED);
    assertThat(why(p.decide(Level.ADMIN, false, number("+44999"), Use.CALL))).isEqualTo(Why.EMERGENCY);
    assertThat(p.decide(Level.USER, false, number("+33123456789"), Use.CALL).allowed()).isTrue();
    assertThat(why(p.decide(Level.USER, false, number("+33612345678"), Use.CALL))).isEqualTo(Why.INTERNATIONAL);
    assertThat(why(p.decide(Level.USER, false, number("+442079460000"), Use.CALL))).isEqualTo(Why.DENIED);
    assertThat(why(p.decide(Level.USER, false, number("+12125550123"), Use.CALL))).isEqualTo(Why.INTERNATIONAL);
  }

  @ParameterizedTest
  @ValueSource(strings = {"127.0.0.1", "127.1.2.3", "10.0.0.5", "172.16.3.4", "192.168.1.1", "169.254.169.254",
      "100.64.0.1", "0.0.0.0", "[::1]", "[fe80::1]", "[fd00::1]", "[::ffff:127.0.0.1]", "[64:ff9b::a00:1]",
      "localhost", "pbx", "foo.localhost", "sneaky.example.org", "loop.example.org"})
  void internalAddressesAreRefused(String host) throws Exception {
    Decision d = plan("", "44").decide(Level.ADMIN, false, address("bob", host), Use.CALL);
    assertThat(why(d)).isEqualTo(Why.INTERNAL_ADDRESS);
    assertThat(((Refused) d).notice()).endsWith("are not allowed by this bridge's dial plan (an internal address).");
  }

  @Test
  void publicAddressesGoAndInternalOnesOnlyWhenListed() throws Exception {
    DialPlan p = plan("internal_hosts: [pbx, 10.0.0.5]", "44");
    assertThat(p.decide(Level.USER, false, address("bob", "pbx.example.org"), Use.CALL).allowed()).isTrue();
    assertThat(p.decide(Level.USER, false, address("bob", "198.51.100.9"), Use.CALL).allowed()).isTrue();
    assertThat(p.decide(Level.USER, false, address("bob", "pbx"), Use.CALL).allowed()).isTrue();
    assertThat(p.decide(Level.USER, false, address("bob", "10.0.0.5"), Use.CALL).allowed()).isTrue();
    assertThat(why(p.decide(Level.USER, false, address("bob", "10.0.0.6"), Use.CALL)))
        .isEqualTo(Why.INTERNAL_ADDRESS);
    assertThat(why(p.decide(Level.USER, false, address("bob", "nowhere.example.org"), Use.CALL)))
        .isEqualTo(Why.UNRESOLVED);
    assertThat(why(plan("user: {deny: ['.*@pbx\\.example\\.org']}", "44")
        .decide(Level.USER, false, address("bob", "pbx.example.org"), Use.CALL))).isEqualTo(Why.DENIED);
  }

  @Test
  void badConfigNamesItsKey() {
    assertThatThrownBy(() -> plan("user: {allow: ['(']}", "44")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("sip.dial_plan.user.allow");
    assertThatThrownBy(() -> plan("home_country_codes: [abc]", "44")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("sip.dial_plan.home_country_codes");
    assertThatThrownBy(() -> plan("premium_prefixes: ['09']", "44")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("sip.dial_plan.premium_prefixes");
    assertThatThrownBy(() -> plan("federal: true", "44")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("sip.dial_plan.federal");
  }

  @Test
  void overriddenPremiumListReplacesTheBuiltInOne() throws Exception {
    DialPlan p = plan("premium_prefixes: ['+44203']\nhome_country_codes: [44, '+353']", "1");
    assertThat(p.decide(Level.USER, false, number("+449012345678"), Use.CALL).allowed()).isTrue();
    assertThat(why(p.decide(Level.USER, false, number("+442031234567"), Use.CALL))).isEqualTo(Why.PREMIUM);
    assertThat(p.decide(Level.USER, false, number("+35312345678"), Use.CALL).allowed()).isTrue();
    assertThat(why(p.decide(Level.USER, false, number("+12125550123"), Use.CALL))).isEqualTo(Why.INTERNATIONAL);
  }
}
