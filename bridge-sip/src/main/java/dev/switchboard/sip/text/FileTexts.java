package dev.switchboard.sip.text;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.media.MediaLinks;
import java.util.Optional;
import java.util.Set;

/**
 * A Matrix file ({@code m.image}, {@code m.file}, {@code m.video}, {@code m.audio}) as the text of a {@code MESSAGE}:
 * phones take plain text only, so the file is its name and a link the phone's user can open (the bridge's, from
 * core's {@link MediaLinks}: they have no Matrix account), then the caption on its own line when there is one.
 */
final class FileTexts {
  private static final Set<String> FILES = Set.of("m.image", "m.file", "m.video", "m.audio");

  private final MediaLinks links;

  FileTexts(MediaLinks links) {
    this.links = links;
  }

  static boolean isFile(String msgtype) {
    return FILES.contains(msgtype);
  }

  /**
   * E.g. {@code cat.png https://bridge.example.org/media/<signed id>/cat.png}; empty without a usable {@code mxc://}
   * URL (an encrypted file carries its own in {@code file}, which a phone could not decrypt anyway).
   */
  Optional<String> text(JsonNode content) {
    String body = content.path("body").asText("");
    String name = content.path("filename").asText(body).strip();
    // The name is the user's: one line in the text (MediaLinks encodes it in the link).
    String shown = (name.isEmpty() ? "file" : name).replaceAll("[\\p{Cntrl}\\u0085\\u2028\\u2029]+", " ");
    return links.link(content.path("url").asText(""), shown).map(link -> {
      // Since Matrix 1.10, a body that differs from the file name is a caption.
      boolean captioned = content.has("filename") && !body.isBlank() && !body.equals(content.path("filename").asText());
      return shown + " " + link + (captioned ? "\n" + body : "");
    });
  }
}
