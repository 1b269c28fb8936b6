package dev.switchboard.irc.portal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ChannelNameTest {

  @Test
  void validNames() {
    assertThat(ChannelName.parse("#java")).isPresent();
    assertThat(ChannelName.parse("&local")).isPresent();
    assertThat(ChannelName.parse("##off-topic")).isPresent();
  }

  @Test
  void invalidNames() {
    assertThat(ChannelName.parse("java")).isEmpty();
    assertThat(ChannelName.parse("#")).isEmpty();
    assertThat(ChannelName.parse("#a b")).isEmpty();
    assertThat(ChannelName.parse("#a,#b")).isEmpty();
    assertThat(ChannelName.parse("#a\r\nQUIT")).isEmpty();
    assertThat(ChannelName.parse("#a:b")).isEmpty();
    assertThat(ChannelName.parse("#" + "x".repeat(50))).isEmpty();
  }

  @Test
  void theKeyFoldsAsciiCase() {
    assertThat(new ChannelName("#Java").key()).isEqualTo("#java");
  }
}
