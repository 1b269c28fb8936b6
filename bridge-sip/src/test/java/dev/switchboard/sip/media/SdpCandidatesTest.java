package dev.switchboard.sip.media;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SdpCandidatesTest {

  @Test
  void aFragmentCarriesTheAudioSectionsCredentialsMidAndTheNewCandidates() {
    String fragment = SdpCandidates.fragment(Sdps.browserOffer(),
        List.of("candidate:1 1 udp 1677729535 192.0.2.7 50123 typ srflx raddr 0.0.0.0 rport 0"), true).orElseThrow();

    assertThat(fragment).isEqualTo("a=ice-ufrag:Hm9X\r\na=ice-pwd:mQbSxA0dGNn5cFhr5Ew2X6Ux\r\n"
        + "m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126\r\na=mid:0\r\n"
        + "a=candidate:1 1 udp 1677729535 192.0.2.7 50123 typ srflx raddr 0.0.0.0 rport 0\r\n"
        + "a=end-of-candidates\r\n");
  }

  @Test
  void aCandidateWithALineBreakNeverReachesRtpengine() {
    assertThat(SdpCandidates.fragment(Sdps.browserOffer(), List.of("candidate:1 1 udp 1 192.0.2.7 1 typ host\r\n"
        + "a=fingerprint:sha-256 00"), false)).isEmpty();
  }

  @Test
  void theAudioMidIsFound() {
    assertThat(SdpCandidates.audioMid(Sdps.browserOffer())).contains("0");
    assertThat(SdpCandidates.audioMid("v=0\r\nm=audio 4000 RTP/AVP 0\r\n")).isEmpty();
  }
}
