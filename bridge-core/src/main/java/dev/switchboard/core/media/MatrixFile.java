package dev.switchboard.core.media;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * A Matrix file message ({@code m.image}, {@code m.file}, {@code m.video}, {@code m.audio}) as every network shows
 * it: its name, its caption and its size, read the same way for IRC lines, XMPP messages and SIP texts.
 *
 * @param mxc the {@code url} ({@code mxc://...}); empty for an encrypted file, whose URL is in {@code file} and which
 *     remote users could not decrypt anyway ({@link MediaLinks#link} then gives no link)
 * @param name the file name on one line: {@code filename}, else {@code body}, else {@code "file"}; the user's text,
 *     so control and line-break characters become spaces
 * @param caption since Matrix 1.10, a {@code body} that differs from {@code filename} is a caption
 * @param size {@code info.size} in bytes, when given
 */
public record MatrixFile(String msgtype, String mxc, String name, Optional<String> caption, OptionalLong size) {
  private static final Set<String> MSGTYPES = Set.of("m.image", "m.file", "m.video", "m.audio");

  /** Whether {@code msgtype} is one of the file types. */
  public static boolean isFile(String msgtype) {
    return MSGTYPES.contains(msgtype);
  }

  /** The file of a message's {@code content}; empty for any other msgtype. */
  public static Optional<MatrixFile> of(JsonNode content) {
    String msgtype = content.path("msgtype").asText("");
    if (!isFile(msgtype)) {
      return Optional.empty();
    }
    String body = content.path("body").asText("");
    String fileName = content.path("filename").asText("");
    String name = (fileName.isBlank() ? body : fileName).strip()
        .replaceAll("[\\p{Cntrl}\\u0085\\u2028\\u2029]+", " ");
    Optional<String> caption = !fileName.isBlank() && !body.isBlank() && !body.equals(fileName) ? Optional.of(body)
        : Optional.empty();
    long size = content.path("info").path("size").asLong(-1);
    return Optional.of(new MatrixFile(msgtype, content.path("url").asText(""), name.isEmpty() ? "file" : name,
        caption, size >= 0 ? OptionalLong.of(size) : OptionalLong.empty()));
  }

  /** This file's link, from {@code links}; empty for an encrypted file or a bad URI. */
  public Optional<String> link(MediaLinks links) {
    return links.link(mxc, name);
  }
}
