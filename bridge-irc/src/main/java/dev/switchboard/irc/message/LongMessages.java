package dev.switchboard.irc.message;

import dev.switchboard.core.homeserver.Intent;
import dev.switchboard.core.media.MediaLinks;
import dev.switchboard.irc.format.IrcLines;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/**
 * Messages longer than a network's line limit go to the homeserver as a text file, and IRC gets one line: the start
 * of the message and a link to the whole. IRC users have no Matrix access token, so the link is the bridge's (core's
 * {@link MediaLinks}), which serves the file on their behalf.
 */
public final class LongMessages {
  static final String FILE_NAME = "message.txt";

  private final Intent uploader;
  private final MediaLinks links;

  /** @param uploader who uploads (the bot: Matrix users' own intents are not ours) */
  public LongMessages(Intent uploader, MediaLinks links) {
    this.uploader = uploader;
    this.links = links;
  }

  /** Uploads {@code text} and returns the link IRC users open. */
  public CompletableFuture<String> upload(String text) {
    return uploader.uploadMedia(text.getBytes(StandardCharsets.UTF_8), "text/plain; charset=utf-8", FILE_NAME)
        .thenApply(this::link);
  }

  /** The link to the uploaded {@code mxc://server/id}; a homeserver answering anything else fails the message. */
  String link(String mxc) {
    return links.link(mxc, FILE_NAME).orElseThrow(
        () -> new IllegalStateException("the homeserver's upload answered no mxc:// URI: " + mxc));
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
