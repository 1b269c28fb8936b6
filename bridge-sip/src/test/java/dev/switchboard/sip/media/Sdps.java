package dev.switchboard.sip.media;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** SDP fixtures from {@code src/test/resources/sdp}, with the CRLF line ends SDP requires. */
public final class Sdps {
  private Sdps() {}

  /** Captured from a browser (Chrome) offer: ICE, DTLS fingerprint, Opus and friends, rtcp-mux, BUNDLE. */
  public static String browserOffer() {
    return load("browser-offer.sdp");
  }

  /** What a desk phone answers: PCMU and telephone-event over plain RTP/AVP. */
  public static String phoneAnswer() {
    return load("phone-answer.sdp");
  }

  private static String load(String name) {
    try (InputStream in = Sdps.class.getResourceAsStream("/sdp/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("\r\n", "\n").replace("\n", "\r\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
