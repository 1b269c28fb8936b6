package dev.switchboard.core.media;

import java.net.URI;
import java.time.Clock;
import java.util.Base64;

/**
 * A media endpoint alone in a JVM of its own, so a test can run it with a small heap: {@code <homeserver url>
 * <as_token> <base64 key>}; prints {@code port=<n>} once listening and stops when its standard input closes.
 */
public final class MediaEndpointProcess {
  private MediaEndpointProcess() {}

  public static void main(String[] args) throws Exception {
    MediaConfig config = MediaConfig.local().withMaxBytes(Long.MAX_VALUE);
    try (MediaEndpoint endpoint = MediaEndpoint.start(config, URI.create(args[0]), args[1],
        Base64.getDecoder().decode(args[2]), Clock.systemUTC())) {
      System.out.println("port=" + endpoint.port());
      System.out.flush();
      while (System.in.read() >= 0) {
        // until the test closes our input
      }
    }
  }
}
