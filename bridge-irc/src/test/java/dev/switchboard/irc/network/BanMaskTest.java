package dev.switchboard.irc.network;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BanMaskTest {
  @Test
  void wildcardsMatchNickUserAndHostCaseInsensitively() {
    assertThat(BanMask.matches("charlie!*@*", "Charlie", "~c", "127.0.0.1")).isTrue();
    assertThat(BanMask.matches("*!*@127.0.0.*", "dave", "~d", "127.0.0.1")).isTrue();
    assertThat(BanMask.matches("*!~?@*", "erin", "~e", "host")).isTrue();
    assertThat(BanMask.matches("charlie", "charlie", "~c", "host")).isTrue(); // a bare nick means nick!*@*
    assertThat(BanMask.matches("charlie!*@*", "charlie2", "~c", "host")).isFalse();
    assertThat(BanMask.matches("*!*@evil.example", "charlie", "~c", "127.0.0.1")).isFalse();
  }

  @Test
  void extendedBansNeverMatch() {
    assertThat(BanMask.matches("$a:charlie", "charlie", "~c", "host")).isFalse();
    assertThat(BanMask.matches("~q:*!*@*", "charlie", "~c", "host")).isFalse();
    assertThat(BanMask.matches("", "charlie", "~c", "host")).isFalse();
  }
}
