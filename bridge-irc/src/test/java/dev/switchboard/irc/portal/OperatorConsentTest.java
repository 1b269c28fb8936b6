package dev.switchboard.irc.portal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.core.config.ConfigException;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class OperatorConsentTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void theQuestionIsOneLineWhateverTheIdsContain() {
    assertThat(OperatorConsent.safe("@eve:x\r\nPRIVMSG #a :owned\u0000\u0002\u2028")).isEqualTo(
        "@eve:x??PRIVMSG #a :owned???");
    String question = OperatorConsent.question(new ChannelRef("test", new ChannelName("#room")),
        RoomId.of("!abc:example.org"), UserId.of("@" + "a".repeat(200) + ":example.org"), Duration.ofSeconds(300));
    assertThat(question).doesNotContain("\r", "\n").hasSizeLessThan(300)
        .contains(" wants to bridge #room to the Matrix room !abc:example.org;")
        .endsWith("reply 'yes' or 'no' to me (privately) within 5 minutes");
  }

  @Test
  void answersAreYesOrNoOptionallyNamingTheChannel() {
    assertThat(OperatorConsent.Answer.parse(" Yes ")).contains(new OperatorConsent.Answer(true, Optional.empty()));
    assertThat(OperatorConsent.Answer.parse("no #Room")).contains(new OperatorConsent.Answer(false, Optional.of("#room")));
    assertThat(OperatorConsent.Answer.parse("yes please")).isEmpty();
    assertThat(OperatorConsent.Answer.parse("maybe")).isEmpty();
    assertThat(OperatorConsent.isOperator("vo")).isTrue();
    assertThat(OperatorConsent.isOperator("hv")).isFalse();
  }

  @Test
  void networksInheritTheSectionsSettingsAndMayOverrideThem() throws Exception {
    Map<String, OperatorConsent.Settings> s = settings("""
        {"link_confirmation_timeout_seconds": 30,
         "networks": {"a": {"host": "h", "nick": "n"}, "b": {"host": "h", "nick": "n", "link_confirmation": "none"}}}""");
    assertThat(s.get("a")).isEqualTo(new OperatorConsent.Settings(OperatorConsent.Mode.OPS, Duration.ofSeconds(30)));
    assertThat(s.get("b")).isEqualTo(new OperatorConsent.Settings(OperatorConsent.Mode.NONE, Duration.ofSeconds(30)));
    assertThat(settings("{\"networks\": {\"a\": {\"host\": \"h\", \"nick\": \"n\"}}}").get("a"))
        .isEqualTo(OperatorConsent.Settings.DEFAULT);
    assertThatThrownBy(() -> settings(
        "{\"networks\": {\"a\": {\"host\": \"h\", \"nick\": \"n\", \"link_confirmation\": \"maybe\"}}}"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("irc.networks.a.link_confirmation");
  }

  /** Each network's settings as the connector reads them from the {@code irc:} section. */
  private static Map<String, OperatorConsent.Settings> settings(String irc) throws Exception {
    Map<String, OperatorConsent.Settings> out = new java.util.HashMap<>();
    dev.switchboard.irc.IrcConfig.parse(JSON.readTree(irc)).networks()
        .forEach((id, n) -> out.put(id, n.linkConfirmation()));
    return out;
  }

}
