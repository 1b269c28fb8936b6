package dev.switchboard.sip.text;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.media.MatrixFile;
import dev.switchboard.core.media.MediaLinks;
import java.util.Optional;

/**
 * A Matrix file ({@code m.image}, {@code m.file}, {@code m.video}, {@code m.audio}) as the text of a {@code MESSAGE}:
 * phones take plain text only, so the file is its name and a link the phone's user can open (the bridge's, from
 * core's {@link MediaLinks}: they have no Matrix account), then the caption on its own line when there is one.
 */
final class FileTexts {
  private final MediaLinks links;

  FileTexts(MediaLinks links) {
    this.links = links;
  }

  static boolean isFile(String msgtype) {
    return MatrixFile.isFile(msgtype);
  }

  /**
   * E.g. {@code cat.png https://bridge.example.org/media/<signed id>/cat.png}; empty without a usable {@code mxc://}
   * URL (an encrypted file carries its own in {@code file}, which a phone could not decrypt anyway).
   */
  Optional<String> text(JsonNode content) {
    return MatrixFile.of(content).flatMap(file -> file.link(links)
        .map(link -> file.name() + " " + link + file.caption().map(caption -> "\n" + caption).orElse("")));
  }
}
