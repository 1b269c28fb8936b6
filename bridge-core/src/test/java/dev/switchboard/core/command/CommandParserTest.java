package dev.switchboard.core.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CommandParserTest {

  @Test
  void wordsAreSplitOnAnyWhitespace() throws Exception {
    assertThat(CommandParser.split("  irc   join\t#java  ")).containsExactly("irc", "join", "#java");
    assertThat(CommandParser.split("join #a\n#b")).containsExactly("join", "#a", "#b");
    assertThat(CommandParser.split("")).isEmpty();
    assertThat(CommandParser.split("   ")).isEmpty();
  }

  @Test
  void quotesGroupWordsAndMayStartMidWord() throws Exception {
    assertThat(CommandParser.split("topic \"hello  world\" 'it''s' key=\"a b\""))
        .containsExactly("topic", "hello  world", "its", "key=a b");
    assertThat(CommandParser.split("say \"\"")).containsExactly("say", "");
    assertThat(CommandParser.split("say \"it's\" 'say \"hi\"'")).containsExactly("say", "it's", "say \"hi\"");
  }

  @Test
  void backslashEscapesOutsideSingleQuotes() throws Exception {
    assertThat(CommandParser.split("say a\\ b \"q\\\"uote\" 'no\\escape'"))
        .containsExactly("say", "a b", "q\"uote", "no\\escape");
  }

  @Test
  void unclosedQuotesAndTrailingBackslashesAreErrors() {
    assertThatThrownBy(() -> CommandParser.split("say \"hello")).isInstanceOf(CommandSyntaxException.class)
        .hasMessageContaining("double quote is not closed");
    assertThatThrownBy(() -> CommandParser.split("say 'hello")).isInstanceOf(CommandSyntaxException.class)
        .hasMessageContaining("single quote");
    assertThatThrownBy(() -> CommandParser.split("say hello\\")).isInstanceOf(CommandSyntaxException.class)
        .hasMessageContaining("backslash");
  }

  @Test
  void lineBreaksAndControlCharactersNeverReachAnArgument() {
    // A CR or LF inside an argument would end an IRC line and let the rest be read as a new command.
    for (String hostile : List.of("say \"a\r\nQUIT :bye\"", "say 'a\nb'", "say a\u0000b", "say a\u0007b",
        "say \"a\u2028b\"", "say a\\\rb", "nick a\u0085b", "say \u001b[31mred")) {
      assertThatThrownBy(() -> CommandParser.split(hostile)).as(hostile.replace("\r", "\\r").replace("\n", "\\n"))
          .isInstanceOf(CommandSyntaxException.class).hasMessageContaining("control characters");
    }
  }

  @Test
  void unicodeIsKeptWhole() throws Exception {
    assertThat(CommandParser.split("join #café \"😀 smile\" 名前 \u00a0x"))
        .containsExactly("join", "#café", "😀 smile", "名前", "x");
  }

  @Test
  void veryLongInputIsRefusedWithoutBeingParsed() {
    String huge = "say " + "a".repeat(1_000_000);
    assertThatThrownBy(() -> CommandParser.split(huge)).isInstanceOf(CommandSyntaxException.class)
        .hasMessageContaining("too long");
    String manyWords = "x ".repeat(CommandParser.MAX_WORDS + 1);
    assertThatThrownBy(() -> CommandParser.split(manyWords)).isInstanceOf(CommandSyntaxException.class)
        .hasMessageContaining("too many arguments");
  }

  @Test
  void randomInputEitherParsesToCleanWordsOrFailsWithAReason() {
    Random random = new Random(42);
    String alphabet = "ab \"'\\\n\r\t\u0000é😀#!";
    for (int n = 0; n < 20_000; n++) {
      StringBuilder sb = new StringBuilder();
      int len = random.nextInt(30);
      for (int i = 0; i < len; i++) {
        sb.appendCodePoint(alphabet.codePointAt(alphabet.offsetByCodePoints(0,
            random.nextInt(alphabet.codePointCount(0, alphabet.length())))));
      }
      try {
        for (String word : CommandParser.split(sb.toString())) {
          assertThat(word).doesNotContain("\n", "\r", "\u0000");
        }
      } catch (CommandSyntaxException e) {
        assertThat(e.getMessage()).isNotBlank();
      }
    }
  }
}
