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
    Map<String, OperatorConsent.Settings> s = OperatorConsent.Settings.parse(JSON.readTree("""
        {"link_confirmation_timeout_seconds": 30,
         "networks": {"a": {}, "b": {"link_confirmation": "none"}}}"""));
    assertThat(s.get("a")).isEqualTo(new OperatorConsent.Settings(OperatorConsent.Mode.OPS, Duration.ofSeconds(30)));
    assertThat(s.get("b")).isEqualTo(new OperatorConsent.Settings(OperatorConsent.Mode.NONE, Duration.ofSeconds(30)));
    assertThat(OperatorConsent.Settings.parse(JSON.readTree("{\"networks\": {\"a\": {}}}")).get("a"))
        .isEqualTo(OperatorConsent.Settings.DEFAULT);
    assertThatThrownBy(() -> OperatorConsent.Settings.parse(JSON.readTree(
        "{\"networks\": {\"a\": {\"link_confirmation\": \"maybe\"}}}")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("irc.networks.a.link_confirmation");
  }
}
