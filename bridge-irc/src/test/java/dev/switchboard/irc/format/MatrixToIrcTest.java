package dev.switchboard.irc.format;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.id.UserId;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class MatrixToIrcTest {
  private static final Function<UserId, Optional<String>> NICKS = u -> u.value().equals("@_irc_test_alice:test.local")
      ? Optional.of("Alice") : Optional.empty();

  private static String html(String html) {
    return MatrixToIrc.html(html, NICKS);
  }

  @Test
  void stylesBecomeCodesAndNestingDoesNotToggleTwice() {
    assertThat(html("<strong>bold <em>both</em></strong> <b><strong>once</strong></b>"))
        .isEqualTo("\u0002bold \u001Dboth\u0002\u001D \u0002once");
    assertThat(html("<u>u</u><del>s</del><code>m</code>")).isEqualTo("\u001Fu\u001F\u001Es\u001E\u0011m");
  }

  @Test
  void coloursMapToTheNearestClassicColourAndEndWithAReset() {
    assertThat(html("<font data-mx-color=\"#ff0000\">red</font> plain"))
        .isEqualTo("\u000304red\u000F plain");
    assertThat(html("<span data-mx-color=\"#0000ff\" data-mx-bg-color=\"#ffffff\">x</span>"))
        .isEqualTo("\u000312,00x");
  }

  @Test
  void pillsBecomeNicksAndOtherLinksKeepTheirTarget() {
    assertThat(html("<a href=\"https://matrix.to/#/@_irc_test_alice:test.local\">alice (IRC)</a>: hi"))
        .isEqualTo("Alice: hi");
    assertThat(html("<a href=\"https://matrix.to/#/%40bob%3Atest.local\">Bob</a>: hi")).isEqualTo("Bob: hi");
    assertThat(html("see <a href=\"https://example.org/x\">this</a>")).isEqualTo("see this (https://example.org/x)");
    assertThat(html("<a href=\"https://example.org\">https://example.org</a>")).isEqualTo("https://example.org");
  }

  @Test
  void blocksBecomeLinesAndHostileHtmlIsReducedToItsText() {
    assertThat(html("<p>one</p><p>two<br>three</p><ul><li>a</li><li>b</li></ul><pre><code>x\n y</code></pre>"))
        .isEqualTo("one\ntwo\nthree\n• a\n• b\n\u0011x\n\u0011 y");
    assertThat(html("<blockquote>quoted</blockquote>reply")).isEqualTo("> quoted\nreply");
    assertThat(html("a<script>alert(1)</script><style>p{}</style><img src=x onerror=alert(1)><iframe>z</iframe>b"))
        .isEqualTo("ab");
    assertThat(html("<mx-reply><blockquote>old</blockquote></mx-reply>new")).isEqualTo("new");
  }

  @Test
  void theReplyFallbackIsLeftOutOfPlainBodies() {
    ObjectNode content = new ObjectMapper().createObjectNode().put("msgtype", "m.text")
        .put("body", "> <@alice:test.local> original\n> more\n\nthe reply");
    content.putObject("m.relates_to").putObject("m.in_reply_to").put("event_id", "$x");

    assertThat(MatrixToIrc.convert(content, NICKS)).isEqualTo("the reply");
  }

  @Test
  void formattingCarriesOverToContinuationLines() {
    List<String> lines = IrcCodes.carryOver(List.of("\u0002bold \u000304red", "still", "\u000Fplain", "x"));

    assertThat(lines).containsExactly("\u0002bold \u000304red", "\u0002\u000304still", "\u0002\u000304\u000Fplain",
        "x");
  }

  @Test
  void roundTripKeepsTheText() {
    String irc = html("<strong>a</strong> <em>b</em> <font data-mx-color=\"#00ff00\">c</font>");
    IrcToMatrix.Text back = IrcToMatrix.convert(irc);

    assertThat(back.body()).isEqualTo("a b c");
    assertThat(back.html()).contains("<strong>a</strong> <em>b</em> <font data-mx-color=\"#00fc00\">c</font>");
  }
}
