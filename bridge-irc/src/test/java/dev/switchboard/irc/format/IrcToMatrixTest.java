package dev.switchboard.irc.format;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.Deque;
import dev.switchboard.core.id.UserId;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jsoup.Jsoup;
import org.jsoup.safety.Safelist;
import org.junit.jupiter.api.Test;

class IrcToMatrixTest {
  private static final Safelist MATRIX_SUBSET = Safelist.none()
      .addTags("strong", "em", "u", "del", "code", "font")
      .addAttributes("font", "data-mx-color", "data-mx-bg-color");

  @Test
  void plainLinesHaveNoHtml() {
    assertThat(IrcToMatrix.convert("just <text> & more")).isEqualTo(
        new IrcToMatrix.Text("just <text> & more", Optional.empty(), List.of()));
  }

  @Test
  void nicksOfMatrixUsersBecomePillsAndMentions() {
    UserId bob = UserId.of("@bob:test.local");
    IrcToMatrix.Text t = IrcToMatrix.convert("bob: \u0002hi bob\u0002, bobby <3",
        nick -> nick.equalsIgnoreCase("bob") ? Optional.of(bob) : Optional.empty());

    assertThat(t.body()).isEqualTo("bob: hi bob, bobby <3");
    assertThat(t.html()).contains("<a href=\"https://matrix.to/#/@bob:test.local\">bob</a>: "
        + "<strong>hi <a href=\"https://matrix.to/#/@bob:test.local\">bob</a></strong>, bobby &lt;3");
    assertThat(t.mentions()).containsExactly(bob);
  }

  @Test
  void eachCodeBecomesItsTag() {
    IrcToMatrix.Text t = IrcToMatrix.convert("\u0002bold\u0002 \u001Dit\u001D \u001Fu\u001F \u001Es\u001E \u0011m\u0011");

    assertThat(t.body()).isEqualTo("bold it u s m");
    assertThat(t.html()).contains("<strong>bold</strong> <em>it</em> <u>u</u> <del>s</del> <code>m</code>");
  }

  @Test
  void coloursWithBackgroundAndResetAndEscaping() {
    IrcToMatrix.Text t = IrcToMatrix.convert("\u000304,12red on blue\u000F <b>\u00039green");

    assertThat(t.body()).isEqualTo("red on blue <b>green");
    assertThat(t.html()).contains("<font data-mx-color=\"#ff0000\" data-mx-bg-color=\"#0000fc\">red on blue</font>"
        + " &lt;b&gt;<font data-mx-color=\"#00fc00\">green</font>");
  }

  @Test
  void hexColoursAndNestedStylesStayBalanced() {
    IrcToMatrix.Text t = IrcToMatrix.convert("\u0002a\u0004FF8800b\u001Dc\u0002d");

    assertThat(t.body()).isEqualTo("abcd");
    assertThat(t.html()).contains("<strong>a</strong><strong><font data-mx-color=\"#ff8800\">b</font></strong>"
        + "<strong><em><font data-mx-color=\"#ff8800\">c</font></em></strong>"
        + "<em><font data-mx-color=\"#ff8800\">d</font></em>");
  }

  /** Property: whatever codes and characters an IRC line holds, the HTML is balanced, allowed and script-free. */
  @Test
  void randomControlCodeStringsNeverProduceUnbalancedOrScriptBearingHtml() {
    SplittableRandom random = new SplittableRandom(42);
    String[] pieces = {"\u0002", "\u001D", "\u001F", "\u001E", "\u0011", "\u0003", "\u00034", "\u000312,3",
        "\u0003,5", "\u000399", "\u0004", "\u0004ff00AA", "\u0004123456,abcdef", "\u000F", "\u0016", "\u0001", "\u0000",
        "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "\"", "'", "&amp;", "<", ">", "a", " ", "é", "😀",
        "</font>", "<font color=red>", "javascript:", "\u00031", "0", ",", "\t", "\u001B[31m"};
    for (int n = 0; n < 20_000; n++) {
      StringBuilder line = new StringBuilder();
      int len = random.nextInt(1, 30);
      for (int i = 0; i < len; i++) {
        line.append(pieces[random.nextInt(pieces.length)]);
      }
      IrcToMatrix.Text t = IrcToMatrix.convert(line.toString());

      assertThat(t.body()).doesNotContainPattern("[\\x00-\\x08\\x0A-\\x1F]");
      t.html().ifPresent(html -> {
        assertThat(balanced(html)).as("balanced: %s", html).isTrue();
        assertThat(Jsoup.isValid(html, MATRIX_SUBSET)).as("only allowed tags and attributes: %s", html).isTrue();
        assertThat(html).doesNotContain("<script", "<img");
        assertThat(Jsoup.parseBodyFragment(html).text()).isEqualTo(t.body().replaceAll("\\s+", " ").strip());
      });
    }
  }

  private static final Pattern TAG = Pattern.compile("<(/?)([a-z]+)[^>]*>");

  private static boolean balanced(String html) {
    Deque<String> open = new ArrayDeque<>();
    Matcher m = TAG.matcher(html);
    while (m.find()) {
      if (m.group(1).isEmpty()) {
        open.push(m.group(2));
      } else if (open.isEmpty() || !open.pop().equals(m.group(2))) {
        return false;
      }
    }
    return open.isEmpty();
  }
}
