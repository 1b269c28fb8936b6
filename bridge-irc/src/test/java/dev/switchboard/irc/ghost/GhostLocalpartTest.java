package dev.switchboard.irc.ghost;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class GhostLocalpartTest {
  private static final Pattern LOCALPART = Pattern.compile("[a-z0-9._=/-]+");

  @Test
  void plainNicksStayReadable() {
    assertThat(GhostLocalpart.escape("alice")).isEqualTo("alice");
    assertThat(GhostLocalpart.escape("bob_2-x")).isEqualTo("bob_2-x");
  }

  @Test
  void upperCaseIsFoldedBecauseIrcNicksAreCaseInsensitive() {
    assertThat(GhostLocalpart.escape("Alice")).isEqualTo(GhostLocalpart.escape("alice"));
  }

  @Test
  void ircSpecialsAndEqualsAreEscapedAsHex() {
    assertThat(GhostLocalpart.escape("[m]|x=`^{}\\")).isEqualTo("=5bm=5d=7cx=3d=60=5e=7b=7d=5c");
    assertThat(GhostLocalpart.escape("zoë")).isEqualTo("zo=c3=ab");
  }

  @Test
  void escapingReversesToTheCaseFoldedNick() {
    assertThat(GhostLocalpart.unescape("=5bm=5d=7cx=3d")).contains("[m]|x=");
    assertThat(GhostLocalpart.unescape("zo=c3=ab")).contains("zoë");
  }

  @Test
  void formsWeNeverProduceAreRejected() {
    assertThat(GhostLocalpart.unescape("=5")).isEmpty();
    assertThat(GhostLocalpart.unescape("=5B")).isEmpty();
    assertThat(GhostLocalpart.unescape("=61")).isEmpty(); // 'a' is never escaped
    assertThat(GhostLocalpart.unescape("Alice")).isEmpty();
  }

  @Test
  void everyNickMapsToAValidLocalpartAndBack() {
    Random random = new Random(7);
    String alphabet = "abzAZ09_-[]\\`^{|}=.é";
    for (int run = 0; run < 5_000; run++) {
      StringBuilder nick = new StringBuilder();
      for (int i = 1 + random.nextInt(16); i > 0; i--) {
        nick.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
      String escaped = GhostLocalpart.escape(nick.toString());

      assertThat(escaped).matches(LOCALPART);
      assertThat(GhostLocalpart.unescape(escaped)).contains(ascii(nick.toString()));
    }
  }

  private static String ascii(String s) {
    StringBuilder b = new StringBuilder();
    s.chars().forEach(c -> b.append(c >= 'A' && c <= 'Z' ? (char) (c + 32) : (char) c));
    return b.toString();
  }
}
