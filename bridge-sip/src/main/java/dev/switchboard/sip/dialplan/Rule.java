package dev.switchboard.sip.dialplan;

import dev.switchboard.core.config.ConfigException;
import dev.switchboard.sip.address.Dialable;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * One entry of a dial plan list: an E.164 prefix ({@code +4420}, {@code +} alone is every number), or else a regular
 * expression that must match the whole target as people write it ({@code +442071234567},
 * {@code alice@pbx.example.org}).
 */
public record Rule(String text, Optional<Pattern> regex) {

  /** Parses {@code entry} of the list at {@code key}; a bad regular expression names the key. */
  public static Rule parse(String entry, String key) {
    String s = entry.strip();
    if (s.matches("\\+[0-9]*")) {
      return new Rule(s, Optional.empty());
    }
    try {
      return new Rule(s, Optional.of(Pattern.compile(s)));
    } catch (PatternSyntaxException e) {
      throw new ConfigException(key + ": '" + s + "' is neither an E.164 prefix (+4420) nor a regular expression ("
          + e.getDescription() + ")");
    }
  }

  public boolean matches(Dialable target) {
    if (regex.isPresent()) {
      return regex.get().matcher(target.display()).matches();
    }
    return target instanceof Dialable.Number n && n.e164().startsWith(text);
  }

  @Override
  public String toString() {
    return text;
  }
}
