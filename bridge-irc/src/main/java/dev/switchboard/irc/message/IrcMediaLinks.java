package dev.switchboard.irc.message;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.media.MatrixFile;
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
    return MatrixFile.isFile(msgtype);
  }

  /**
   * The text for IRC, e.g. {@code cat.png (12 KiB) https://bridge.example.org/media/<signed id>/cat.png}, then the
   * caption on its own line; empty when the content has no usable {@code mxc://} URL (encrypted files carry theirs
   * in {@code file}, which IRC users could not decrypt anyway).
   */
  public Optional<String> text(JsonNode content) {
    return MatrixFile.of(content).flatMap(file -> file.link(links).map(link -> {
      StringBuilder out = new StringBuilder(file.name());
      file.size().ifPresent(bytes -> out.append(" (").append(size(bytes)).append(')'));
      out.append(' ').append(link);
      file.caption().ifPresent(caption -> out.append('\n').append(caption));
      return out.toString();
    }));
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
