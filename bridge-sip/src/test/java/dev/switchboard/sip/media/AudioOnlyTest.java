package dev.switchboard.sip.media;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AudioOnlyTest {
  private static final String AUDIO_VIDEO = String.join("\r\n", "v=0", "o=- 1 2 IN IP4 127.0.0.1", "s=-", "t=0 0",
      "a=group:BUNDLE 0 1", "m=audio 9 UDP/TLS/RTP/SAVPF 111", "a=mid:0", "a=rtpmap:111 opus/48000/2",
      "m=video 9 UDP/TLS/RTP/SAVPF 96 97", "a=mid:1", "a=rtpmap:96 VP8/90000") + "\r\n";

  @Test
  void videoIsTakenOutOfTheOfferAndItsMidOutOfTheBundle() {
    AudioOnly.Stripped s = AudioOnly.strip(AUDIO_VIDEO);

    assertThat(s.sdp()).contains("m=audio 9", "a=group:BUNDLE 0\r\n").doesNotContain("m=video", "VP8", "a=mid:1");
    assertThat(s.changed()).isTrue();
  }

  @Test
  void theAnswerGetsTheVideoBackRejectedInItsPlace() {
    String videoFirst = String.join("\r\n", "v=0", "o=- 1 2 IN IP4 127.0.0.1", "s=-", "t=0 0",
        "m=video 5000 RTP/AVP 96", "a=rtpmap:96 H264/90000", "m=audio 4000 RTP/AVP 0", "a=rtpmap:0 PCMU/8000")
        + "\r\n";
    AudioOnly.Stripped s = AudioOnly.strip(videoFirst);
    String answer = "v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 6000 RTP/AVP 0\r\n";

    String restored = AudioOnly.restore(answer, s);

    assertThat(restored.indexOf("m=video 0 RTP/AVP 96")).isGreaterThan(0)
        .isLessThan(restored.indexOf("m=audio 6000"));
  }

  @Test
  void anAudioOnlyOfferIsLeftAlone() {
    String audio = "v=0\r\ns=-\r\nm=audio 4000 RTP/AVP 0\r\n";

    assertThat(AudioOnly.strip(audio).sdp()).isEqualTo(audio);
    assertThat(AudioOnly.restore("answer", AudioOnly.strip(audio))).isEqualTo("answer");
  }
}
