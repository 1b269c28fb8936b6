package dev.switchboard.sip.text;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.core.media.MediaLinks;
import org.junit.jupiter.api.Test;

/** The text a phone gets for a Matrix file. */
class FileTextsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final FileTexts files = new FileTexts(MediaLinks.homeserverDownload("https://matrix.example.org"));

  @Test
  void aFileIsItsNameAndTheLinkCoreGivesThenItsCaption() throws Exception {
    assertThat(files.text(JSON.readTree("""
        {"msgtype": "m.image", "body": "cat photo.png", "url": "mxc://example.org/abc"}"""))).contains(
        "cat photo.png https://matrix.example.org/_matrix/media/v3/download/example.org/abc/cat%20photo.png");
    assertThat(files.text(JSON.readTree("""
        {"msgtype": "m.file", "body": "the report", "filename": "r.pdf", "url": "mxc://example.org/def"}"""))).contains(
        "r.pdf https://matrix.example.org/_matrix/media/v3/download/example.org/def/r.pdf\nthe report");
  }

  @Test
  void aNameWithLineBreaksStaysOneLineAndAnEncryptedFileHasNoText() throws Exception {
    assertThat(files.text(JSON.readTree("""
        {"msgtype": "m.file", "body": "a\\r\\nb.txt", "url": "mxc://example.org/x"}"""))).hasValueSatisfying(
        t -> assertThat(t).startsWith("a b.txt https://").doesNotContain("\n"));
    assertThat(files.text(JSON.readTree("""
        {"msgtype": "m.image", "body": "secret.png", "file": {"url": "mxc://example.org/s"}}"""))).isEmpty();
  }
}
