package dev.switchboard.irc.format;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class IrcLinesTest {

  @Test
  void aMultiLineMessageBecomesOneIrcLinePerLineWithoutBlankOnes() {
    assertThat(IrcLines.split("first\nsecond\r\nthird\r\n\nfourth\rfifth", 400))
        .containsExactly("first", "second", "third", "fourth", "fifth");
  }

  @Test
  void anInjectionAttemptStaysInsideTheMessageText() {
    List<String> lines = IrcLines.split("hi\r\nQUIT :pwned\rJOIN #evil", 400);

    assertThat(lines).containsExactly("hi", "QUIT :pwned", "JOIN #evil");
    assertThat(lines).allSatisfy(l -> assertThat(l).doesNotContain("\r", "\n"));
  }

  @Test
  void nulAndCtcpDelimitersAreRemoved() {
    assertThat(IrcLines.split("a\0b\u0001DCC SEND x\u0001", 400)).containsExactly("abDCC SEND x");
  }

  @Test
  void aLongLineIsCutByBytesAtSpacesWithinTheLimit() {
    String text = "word ".repeat(1000).strip(); // 4,999 bytes

    List<String> lines = IrcLines.split(text, 400);

    assertThat(lines).allSatisfy(l -> assertThat(l.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(400));
    assertThat(lines).allSatisfy(l -> assertThat(l).startsWith("word").endsWith("word"));
    assertThat(String.join(" ", lines)).isEqualTo(text);
  }

  @Test
  void multiByteCharactersAreNeverCutInHalf() {
    String text = "é😀€".repeat(300);

    List<String> lines = IrcLines.split(text, 100);

    assertThat(lines).allSatisfy(l -> {
      assertThat(l.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(100);
      assertThat(new String(l.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8)).isEqualTo(l);
    });
    assertThat(String.join("", lines)).isEqualTo(text);
  }

  @Test
  void noRandomInputYieldsALineBreakOrAnOversizedLine() {
    Random random = new Random(42);
    String alphabet = "ab \r\n\0\u0001\u2028é😀:#";
    for (int run = 0; run < 2_000; run++) {
      StringBuilder b = new StringBuilder();
      int length = random.nextInt(600);
      for (int i = 0; i < length; i++) {
        b.appendCodePoint(alphabet.codePointAt(alphabet.offsetByCodePoints(0, random.nextInt(
            alphabet.codePointCount(0, alphabet.length())))));
      }
      int max = 4 + random.nextInt(300);

      List<String> lines = IrcLines.split(b.toString(), max);

      assertThat(lines).allSatisfy(l -> {
        assertThat(l).doesNotContain("\r", "\n", "\0", "\u0001").isNotBlank();
        assertThat(l.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(max);
      });
    }
  }

  @Test
  void theTextBudgetKeepsTheRelayedLineUnder512Bytes() {
    String nick = "n".repeat(30);
    String target = "#" + "c".repeat(49);
    int budget = IrcLines.textBudget(nick, target, 0);
    String relayed = ":" + nick + "!" + "u".repeat(10) + "@" + "h".repeat(63) + " PRIVMSG " + target + " :"
        + "x".repeat(budget) + "\r\n";

    assertThat(relayed.length()).isLessThanOrEqualTo(IrcLines.MAX_LINE);
  }
}
