package dev.switchboard.xmpp.component;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StreamErrorTest {
  @Test
  void theConditionAndTextAreReadAndRefusalsRecognised() {
    StreamError e = StreamError.parse("<stream:error><not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
        + "<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>Given token does not match</text></stream:error>");

    assertThat(e.condition()).isEqualTo("not-authorized");
    assertThat(e.text()).contains("Given token does not match");
    assertThat(e.refusesUs()).isTrue();
    assertThat(StreamError.parse("<stream:error><system-shutdown xmlns=\"urn:ietf:params:xml:ns:xmpp-streams\"/>"
        + "</stream:error>").refusesUs()).isFalse();
  }

  @Test
  void theHandshakeIsLowerCaseHexSha1OfIdAndSecret() {
    assertThat(Handshake.digest("3BF96D32", "sharedsecret")).isEqualTo("3b6c216d9b55a7b4f3e82ab3e10cb81569f115d4");
  }
}
