package dev.switchboard.core.media;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Links that remote users (IRC, XMPP, SIP) can open for a Matrix file. Remote users have no Matrix access token, and
 * homeservers set up since 2024 serve media only to authenticated clients, so the bridge serves the files itself:
 * the bridge's implementation hands out signed, expiring links to its own media endpoint. Every place that writes a
 * link for a remote user asks this, never builds a homeserver URL itself.
 */
public interface MediaLinks {
  /** {@code mxc://<server name>/<media id>}; group 1 is the server name, group 2 the media id. */
  Pattern MXC = Pattern.compile("mxc://([A-Za-z0-9.:\\[\\]-]+)/([A-Za-z0-9_-]+)");

  /**
   * A link to the file {@code mxcUri}, offered under {@code fileName} (the user's; any characters, encoded here);
   * empty when {@code mxcUri} is not a valid {@code mxc://} URI.
   */
  Optional<String> link(String mxcUri, String fileName);

  /**
   * A link to a thumbnail of the image {@code mxcUri}, at most {@code width}×{@code height} pixels; empty as for
   * {@link #link}.
   */
  Optional<String> thumbnail(String mxcUri, String fileName, int width, int height);

  /**
   * Links straight to the homeserver's unauthenticated {@code /_matrix/media/v3/download} path under {@code baseUrl},
   * as before the bridge served media: dead on homeservers that serve authenticated media only. For test contexts.
   */
  static MediaLinks homeserverDownload(String baseUrl) {
    String base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    return new MediaLinks() {
      @Override
      public Optional<String> link(String mxcUri, String fileName) {
        var m = MXC.matcher(mxcUri);
        if (!m.matches()) {
          return Optional.empty();
        }
        return Optional.of(base + "/_matrix/media/v3/download/" + m.group(1) + "/" + m.group(2) + "/"
            + URLEncoder.encode(fileName, StandardCharsets.UTF_8).replace("+", "%20"));
      }

      @Override
      public Optional<String> thumbnail(String mxcUri, String fileName, int width, int height) {
        var m = MXC.matcher(mxcUri);
        if (!m.matches()) {
          return Optional.empty();
        }
        return Optional.of(base + "/_matrix/media/v3/thumbnail/" + m.group(1) + "/" + m.group(2) + "?width=" + width
            + "&height=" + height);
      }
    };
  }
}
