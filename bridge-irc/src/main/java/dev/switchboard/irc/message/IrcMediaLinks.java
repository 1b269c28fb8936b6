package dev.switchboard.irc.message;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.media.MediaLinks;
import java.util.Locale;
import java.util.Optional;

/**
 * Matrix media ({@code m.image}, {@code m.file}, {@code m.video}, {@code m.audio}) as one IRC line: the file name,
 * its size and a link IRC users can open (the bridge's, from core's {@link MediaLinks}), and the caption when there
 * is one.
 */
public final class IrcMediaLinks {
  private final MediaLinks links;

  public IrcMediaLinks(MediaLinks links) {
    this.links = links;
  }

  /** Whether the msgtype is one of the media types. */
  public static boolean isMedia(String msgtype) {
    return switch (msgtype) {
      case "m.image", "m.file", "m.video", "m.audio" -> true;
      default -> false;
    };
  }

  /**
   * The text for IRC, e.g. {@code cat.png (12 KiB) https://bridge.example.org/media/<signed id>/cat.png}, then the
   * caption on its own line; empty when the content has no usable {@code mxc://} URL (encrypted files carry theirs
   * in {@code file}, which IRC users could not decrypt anyway).
   */
  public Optional<String> text(JsonNode content) {
    String body = content.path("body").asText("");
    String fileName = content.path("filename").asText(body).strip();
    if (fileName.isEmpty()) {
      fileName = "file";
    }
    // The file name is the user's: keep it readable in the text, but one line (MediaLinks encodes it in the link).
    String shown = fileName.replaceAll("[\\p{Cntrl}\\u0085\\u2028\\u2029]+", " ");
    Optional<String> link = links.link(content.path("url").asText(""), shown);
    if (link.isEmpty()) {
      return Optional.empty();
    }
    StringBuilder out = new StringBuilder(shown);
    long size = content.path("info").path("size").asLong(-1);
    if (size >= 0) {
      out.append(" (").append(size(size)).append(')');
    }
    out.append(' ').append(link.get());
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
