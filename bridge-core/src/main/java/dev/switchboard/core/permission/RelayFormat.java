package dev.switchboard.core.permission;

import dev.switchboard.core.config.ConfigException;
import dev.switchboard.core.config.ConfigSection;
import java.util.List;
import dev.switchboard.core.id.UserId;

/**
 * How the bot speaks for a {@link Level#RELAY} user (config section {@code relay}), as Heisenbridge and the mautrix
 * bridges do: {@code {name}} is the user's display name (or localpart), {@code {user}} their Matrix id and
 * {@code {message}} the text. The remote side sees one line from the bridge's own identity; the name is cleaned of
 * control characters and line breaks so a display name can never start a new protocol line.
 */
public record RelayFormat(String message, String emote) {
  public static final String DEFAULT_MESSAGE = "<{name}> {message}";
  public static final String DEFAULT_EMOTE = "* {name} {message}";
  /** Longer display names are cut: the name is a label, not content. */
  private static final int MAX_NAME_CHARS = 64;

  public RelayFormat {
    if (!message.contains("{message}") || !emote.contains("{message}")) {
      throw new ConfigException("relay.format and relay.emote_format must contain {message}");
    }
  }

  public static RelayFormat defaults() {
    return new RelayFormat(DEFAULT_MESSAGE, DEFAULT_EMOTE);
  }

  /** Reads the {@code relay} section: {@code format}, {@code emote_format}; missing means the defaults. */
  public static RelayFormat fromConfig(ConfigSection section) {
    section.allowOnly(List.of("format", "emote_format"));
    return new RelayFormat(template(section, "format", DEFAULT_MESSAGE),
        template(section, "emote_format", DEFAULT_EMOTE));
  }

  private static String template(ConfigSection section, String field, String fallback) {
    if (section.has(field) && !section.node().path(field).isTextual()) {
      throw section.problem(field, "must be a string containing {message}, got '" + section.node().path(field) + "'");
    }
    return section.has(field) ? section.node().path(field).textValue() : fallback;
  }

  /** The line the bot sends for {@code user}'s message {@code text}; {@code emote} for {@code m.emote}. */
  public String render(UserId user, String displayName, String text, boolean emote) {
    String template = emote ? this.emote : message;
    return template.replace("{name}", cleanName(user, displayName)).replace("{user}", clean(user.value()))
        .replace("{message}", text);
  }

  private static String cleanName(UserId user, String displayName) {
    String name = displayName == null ? "" : clean(displayName).strip();
    if (name.isEmpty()) {
      name = user.localpart();
    }
    return name.length() > MAX_NAME_CHARS ? name.substring(0, MAX_NAME_CHARS) + "…" : name;
  }

  private static String clean(String s) {
    StringBuilder out = new StringBuilder(s.length());
    s.codePoints().forEach(c -> out.appendCodePoint(Character.isISOControl(c) || c == 0x2028 || c == 0x2029 ? ' ' : c));
    return out.toString();
  }
}
