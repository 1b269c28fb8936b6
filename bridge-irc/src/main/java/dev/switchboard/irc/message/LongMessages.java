package dev.switchboard.irc.message;

import dev.switchboard.core.homeserver.Intent;
import dev.switchboard.irc.format.IrcLines;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/**
 * Messages longer than a network's line limit go to the homeserver as a text file, and IRC gets one line: the start
 * of the message and a link to the whole.
 *
 * <p>The link uses the unauthenticated download path {@code /_matrix/media/v3/download/<server>/<id>/<file>}: IRC
 * users have no Matrix access token, so the authenticated {@code /_matrix/client/v1/media/download/...} (Matrix
 * 1.11) would answer them 401. Homeservers that freeze unauthenticated media (Synapse's {@code
 * enable_authenticated_media}) refuse it for new uploads too; for those the bridge needs a media proxy of its own
 * (not built yet, see docs/irc.md).
 */
public final class LongMessages {
  static final String FILE_NAME = "message.txt";

  private final Intent uploader;
  private final String mediaBaseUrl;

  /**
   * @param uploader who uploads (the bot: Matrix users' own intents are not ours)
   * @param mediaBaseUrl the homeserver's public base URL, e.g. {@code https://matrix.example.org}
   */
  public LongMessages(Intent uploader, String mediaBaseUrl) {
    this.uploader = uploader;
    this.mediaBaseUrl = mediaBaseUrl.endsWith("/") ? mediaBaseUrl.substring(0, mediaBaseUrl.length() - 1)
        : mediaBaseUrl;
  }

  /** Uploads {@code text} and returns the public download link. */
  public CompletableFuture<String> upload(String text) {
    return uploader.uploadMedia(text.getBytes(StandardCharsets.UTF_8), "text/plain; charset=utf-8", FILE_NAME)
        .thenApply(this::downloadUrl);
  }

  /** The download link for an {@code mxc://server/id} URI. */
  String downloadUrl(String mxc) {
    if (!mxc.startsWith("mxc://") || mxc.indexOf('/', "mxc://".length()) < 0) {
      throw new IllegalArgumentException("not an mxc URI: " + mxc);
    }
    return mediaBaseUrl + "/_matrix/media/v3/download/" + mxc.substring("mxc://".length()) + "/" + FILE_NAME;
  }

  /**
   * The one line IRC gets: as much of the first line of {@code plain} as fits, then {@code … (N lines: url)}, within
   * {@code budget} bytes.
   */
  public static String preview(String plain, int lines, String url, int budget) {
    String suffix = " (" + lines + " lines: " + url + ")";
    String first = plain.strip().split("\r\n|[\r\n\u0085\u2028\u2029]", 2)[0];
    int room = budget - IrcLines.utf8Length(suffix) - IrcLines.utf8Length("…");
    if (room < 8) {
      return url;
    }
    java.util.List<String> cut = IrcLines.split(first, Math.max(4, room));
    String start = cut.isEmpty() ? "" : cut.get(0);
    boolean shortened = cut.size() > 1 || plain.strip().length() > first.length();
    return start + (shortened ? "…" : "") + suffix;
  }
}
