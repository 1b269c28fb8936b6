package dev.switchboard.irc.message;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Matrix media ({@code m.image}, {@code m.file}, {@code m.video}, {@code m.audio}) as one IRC line: the file name,
 * its size and the homeserver's download link, and the caption when there is one. The link is the unauthenticated
 * {@code /_matrix/media/v3/download} path IRC users can open (see docs/irc.md on authenticated media).
 */
public final class IrcMediaLinks {
  private static final Pattern MXC = Pattern.compile("mxc://([A-Za-z0-9.:\\[\\]-]+)/([A-Za-z0-9_-]+)");

  private final String mediaBaseUrl;

  public IrcMediaLinks(String mediaBaseUrl) {
    this.mediaBaseUrl = mediaBaseUrl.endsWith("/") ? mediaBaseUrl.substring(0, mediaBaseUrl.length() - 1)
        : mediaBaseUrl;
  }

  /** Whether the msgtype is one of the media types. */
  public static boolean isMedia(String msgtype) {
    return switch (msgtype) {
      case "m.image", "m.file", "m.video", "m.audio" -> true;
      default -> false;
    };
  }

  /**
   * The text for IRC, e.g. {@code cat.png (12 KiB) https://hs/_matrix/media/v3/download/hs/abc/cat.png}, then the
   * caption on its own line; empty when the content has no usable {@code mxc://} URL (encrypted files carry theirs
   * in {@code file}, which IRC users could not decrypt anyway).
   */
  public Optional<String> text(JsonNode content) {
    var m = MXC.matcher(content.path("url").asText(""));
    if (!m.matches()) {
      return Optional.empty();
    }
    String body = content.path("body").asText("");
    String fileName = content.path("filename").asText(body).strip();
    if (fileName.isEmpty()) {
      fileName = "file";
    }
    // The file name is the user's: keep it readable in the text, but one line, and encoded in the link.
    String shown = fileName.replaceAll("[\\p{Cntrl}\\u0085\\u2028\\u2029]+", " ");
    String link = mediaBaseUrl + "/_matrix/media/v3/download/" + m.group(1) + "/" + m.group(2) + "/"
        + URLEncoder.encode(shown, StandardCharsets.UTF_8).replace("+", "%20");
    StringBuilder out = new StringBuilder(shown);
    long size = content.path("info").path("size").asLong(-1);
    if (size >= 0) {
      out.append(" (").append(size(size)).append(')');
    }
    out.append(' ').append(link);
    // Since Matrix 1.10, a body that differs from the file name is a caption.
    if (content.has("filename") && !body.isBlank() && !body.equals(content.path("filename").asText())) {
      out.append('\n').append(body);
    }
    return Optional.of(out.toString());
  }

  static String size(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    double kib = bytes / 1024.0;
    if (kib < 1024) {
      return String.format(Locale.ROOT, "%.0f KiB", kib);
    }
    double mib = kib / 1024.0;
    return mib < 1024 ? String.format(Locale.ROOT, "%.1f MiB", mib)
        : String.format(Locale.ROOT, "%.1f GiB", mib / 1024.0);
  }
}
