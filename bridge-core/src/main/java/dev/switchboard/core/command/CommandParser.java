package dev.switchboard.core.command;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a command line into words, shell-like: whitespace separates, {@code "double"} and {@code 'single'} quotes
 * group (a quote may start mid-word: {@code key="a b"}), a backslash escapes the next character outside single
 * quotes. Control characters (CR, LF, NUL, ...) are refused inside a word: arguments end up on other networks'
 * wires, where a line break would end the line (IRC) or break the stream (XMPP). Bounded in length and word count.
 */
public final class CommandParser {
  /** Longer input is refused rather than parsed; no command needs more. */
  public static final int MAX_LENGTH = 2048;
  public static final int MAX_WORDS = 64;

  private CommandParser() {}

  public static List<String> split(String line) throws CommandSyntaxException {
    if (line.length() > MAX_LENGTH) {
      throw new CommandSyntaxException("the command is too long (" + line.length() + " characters; at most "
          + MAX_LENGTH + ")");
    }
    List<String> words = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    boolean inWord = false;
    char quote = 0;
    int i = 0;
    while (i < line.length()) {
      int cp = line.codePointAt(i);
      i += Character.charCount(cp);
      if (quote == 0 && isSeparator(cp)) {
        if (inWord) {
          add(words, word);
          inWord = false;
        }
        continue;
      }
      if (isControl(cp)) {
        throw new CommandSyntaxException("arguments may not contain control characters or line breaks"
            + (quote != 0 ? " (inside a quoted argument)" : ""));
      }
      inWord = true;
      if (quote == 0 && (cp == '"' || cp == '\'')) {
        quote = (char) cp;
      } else if (quote != 0 && cp == quote) {
        quote = 0;
      } else if (cp == '\\' && quote != '\'') {
        if (i >= line.length()) {
          throw new CommandSyntaxException("the command ends with a lone backslash");
        }
        int next = line.codePointAt(i);
        i += Character.charCount(next);
        if (isControl(next)) { // an escaped line break is still a line break
          throw new CommandSyntaxException("arguments may not contain control characters or line breaks");
        }
        word.appendCodePoint(next);
      } else {
        word.appendCodePoint(cp);
      }
    }
    if (quote != 0) {
      throw new CommandSyntaxException("a " + (quote == '"' ? "double" : "single") + " quote is not closed");
    }
    if (inWord) {
      add(words, word);
    }
    return List.copyOf(words);
  }

  private static void add(List<String> words, StringBuilder word) throws CommandSyntaxException {
    if (words.size() == MAX_WORDS) {
      throw new CommandSyntaxException("too many arguments (at most " + MAX_WORDS + ")");
    }
    words.add(word.toString());
    word.setLength(0);
  }

  /** Spaces, tabs and line breaks separate words; a line break is only refused inside quotes. */
  private static boolean isSeparator(int cp) {
    return Character.isWhitespace(cp) || Character.isSpaceChar(cp);
  }

  private static boolean isControl(int cp) {
    int type = Character.getType(cp);
    // Cc: C0/C1 controls. Zl/Zp: Unicode line and paragraph separators, which some clients render as breaks.
    return type == Character.CONTROL || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR
        || cp == 0x85;
  }
}
