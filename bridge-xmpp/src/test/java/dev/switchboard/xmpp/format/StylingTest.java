package dev.switchboard.xmpp.format;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class StylingTest {
  @Test
  void spans() {
    assertThat(Styling.toHtml("*bold* and _it_ and ~gone~ and `x*y*`"))
        .hasValue("<strong>bold</strong> and <em>it</em> and <del>gone</del> and <code>x*y*</code>");
    assertThat(Styling.toHtml("*_both_*")).hasValue("<strong><em>both</em></strong>");
  }

  @Test
  void plainTextAndNonDirectivesStayPlain() {
    assertThat(Styling.toHtml("just text")).isEmpty();
    assertThat(Styling.toHtml("2 * 3 * 4")).isEmpty(); // directives followed or preceded by whitespace
    assertThat(Styling.toHtml("snake_case_name")).isEmpty(); // not after whitespace
    assertThat(Styling.toHtml("**")).isEmpty();
    assertThat(Styling.toHtml("*open\nclose*")).isEmpty(); // spans do not cross lines
  }

  @Test
  void blocksAndEscaping() {
    assertThat(Styling.toHtml("> quoted *text*\nafter")).hasValue(
        "<blockquote>quoted <strong>text</strong></blockquote>after");
    assertThat(Styling.toHtml("```\n<b>not html</b>\n*not bold*\n```")).hasValue(
        "<pre><code>&lt;b&gt;not html&lt;/b&gt;\n*not bold*</code></pre>");
    assertThat(Styling.toHtml("*<script>*")).hasValue("<strong>&lt;script&gt;</strong>");
    assertThat(Styling.toHtml(null)).isEqualTo(Optional.empty());
  }
}
