package dev.switchboard.irc.puppet;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PuppetNickTest {

  @Test
  void aDisplayNameBecomesAValidNick() {
    assertThat(PuppetNick.sanitise("Zoë Smith", 16, "zoe")).isEqualTo("ZoeSmith");
    assertThat(PuppetNick.sanitise("[dev] alice|away", 16, "x")).isEqualTo("[dev]alice|away");
  }

  @Test
  void aNickCannotStartWithADigitOrDash() {
    assertThat(PuppetNick.sanitise("42 is the answer", 16, "x")).isEqualTo("_42istheanswer");
    assertThat(PuppetNick.sanitise("-dash", 16, "x")).isEqualTo("_-dash");
  }

  @Test
  void aNickIsCutToTheServersNickLength() {
    assertThat(PuppetNick.sanitise("averyveryverylongname", 9, "x")).isEqualTo("averyvery");
  }

  @Test
  void aNameWithNothingUsableFallsBackToTheLocalpart() {
    assertThat(PuppetNick.sanitise("😀 ", 16, "alice")).isEqualTo("alice");
    assertThat(PuppetNick.sanitise("", 16, "")).isEqualTo("matrix");
  }

  @Test
  void controlCharactersNeverSurvive() {
    String nick = PuppetNick.sanitise("bad\r\nQUIT\0", 30, "x");
    assertThat(nick).isEqualTo("badQUIT");
    assertThat(PuppetNick.isValid(nick)).isTrue();
  }

  @Test
  void collisionsGetASuffixThatStillFits() {
    assertThat(PuppetNick.candidate("alice", 0, 9)).isEqualTo("alice");
    assertThat(PuppetNick.candidate("alice", 1, 9)).isEqualTo("alice_");
    assertThat(PuppetNick.candidate("averyvery", 1, 9)).isEqualTo("averyver_");
    assertThat(PuppetNick.candidate("averyvery", 12, 9)).isEqualTo("averyv_12");
  }

  @Test
  void validity() {
    assertThat(PuppetNick.isValid("switchboard")).isTrue();
    assertThat(PuppetNick.isValid("[m]x-1")).isTrue();
    assertThat(PuppetNick.isValid("1abc")).isFalse();
    assertThat(PuppetNick.isValid("a b")).isFalse();
    assertThat(PuppetNick.isValid("")).isFalse();
  }
}
