package dev.switchboard.xmpp.stanza;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Text from Matrix never carries what XML 1.0 forbids onto the component stream. */
class XmlTextTest {

  @Test
  void controlCharactersAreRemovedAndTabsAndNewlinesKept() {
    assertThat(XmlText.clean("a\u0000b\u0001c\u0008d\u000Be\u001Ff\tg\nh\ri")).isEqualTo("abcdef\tg\nh\ri");
  }

  @Test
  void loneSurrogatesAndNoncharactersGoButEmojiStay() {
    assertThat(XmlText.clean("x\uD800y\uDC00z\uFFFE\uFFFF")).isEqualTo("xyz");
    assertThat(XmlText.clean("smile \uD83D\uDE00")).isEqualTo("smile \uD83D\uDE00");
  }

  @Test
  void cleanTextIsReturnedAsIs() {
    String text = "héllo <world> & 中文";
    assertThat(XmlText.clean(text)).isSameAs(text);
  }

  @Test
  void anyCleanedStringIsCleanAndKeepsEveryAllowedCharacter() {
    SplittableRandom random = new SplittableRandom(1);
    for (int i = 0; i < 10_000; i++) {
      StringBuilder sb = new StringBuilder();
      int length = random.nextInt(20);
      for (int j = 0; j < length; j++) {
        sb.append((char) random.nextInt(0x10000));
      }
      String cleaned = XmlText.clean(sb.toString());
      assertThat(XmlText.isClean(cleaned)).isTrue();
      assertThat(cleaned.codePoints().count())
          .isEqualTo(sb.toString().codePoints().filter(XmlText::allowed).count());
    }
  }
}
