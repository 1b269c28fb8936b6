package dev.switchboard.irc.message;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.core.media.MediaLinks;
import dev.switchboard.irc.format.IrcLines;
import org.junit.jupiter.api.Test;

class LongMessagesTest {
  private static final String URL = "https://matrix.example.org/_matrix/media/v3/download/example.org/abc/message.txt";

  @Test
  void thePreviewIsTheStartOfTheFirstLineThenTheLinkWithinTheBudget() {
    String preview = LongMessages.preview("first line " + "x".repeat(600) + "\nsecond", 14, URL, 300);

    assertThat(preview).startsWith("first line x").endsWith("… (14 lines: " + URL + ")");
    assertThat(IrcLines.utf8Length(preview)).isLessThanOrEqualTo(300);
  }

  @Test
  void aShortFirstLineIsMarkedAsCutWhenMoreFollows() {
    assertThat(LongMessages.preview("hello\nmore\nmore", 3, URL, 300)).isEqualTo("hello… (3 lines: " + URL + ")");
  }

  @Test
  void theLinkIsTheBridgesLinkToTheUploadedFile() {
    MediaLinks links = MediaLinks.homeserverDownload("https://matrix.example.org/");
    LongMessages messages = new LongMessages(null, links);

    assertThat(messages.link("mxc://example.org/abc")).isEqualTo(URL);
    assertThatThrownBy(() -> messages.link("https://example.org/abc")).isInstanceOf(IllegalStateException.class);
  }
}
