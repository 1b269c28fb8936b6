package dev.switchboard.sip.call;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class InfoDtmfTest {
  @Test
  void dtmfRelayBodiesGiveTheKeyAndDuration() {
    assertThat(InfoDtmf.parse("application/dtmf-relay", "Signal=5\r\nDuration=160\r\n"))
        .contains(new InfoDtmf.Press('5', 160));
    assertThat(InfoDtmf.parse("Application/DTMF-Relay", "Signal= #\nDuration= 99999"))
        .contains(new InfoDtmf.Press('#', 5000));
    assertThat(InfoDtmf.parse("application/dtmf", "a")).contains(new InfoDtmf.Press('A', 250));
  }

  @Test
  void anythingElseIsNoKeyPress() {
    assertThat(InfoDtmf.parse("application/dtmf-relay", "Signal=hello\r\nDuration=160")).isEmpty();
    assertThat(InfoDtmf.parse("application/dtmf-relay", "Signal=5\r\nDuration=long")).isEmpty();
    assertThat(InfoDtmf.parse("application/dtmf-relay", "Duration=160")).isEmpty();
    assertThat(InfoDtmf.parse("text/plain", "5")).isEmpty();
    assertThat(InfoDtmf.parse("application/dtmf", "E")).isEmpty();
  }
}
