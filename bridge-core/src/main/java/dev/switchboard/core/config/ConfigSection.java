package dev.switchboard.core.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * One mapping of the config file and its dotted path ({@code irc.networks.libera}): the one reader every section is
 * parsed with. Each getter takes a field of this mapping, returns its fallback when the field is absent or null, and
 * otherwise throws a {@link ConfigException} whose message starts with the field's full key, so an admin reads
 * {@code irc.networks.libera.port must be a port number from 1 to 65535, got "x"} rather than a stack trace.
 *
 * <p>A connector parses its section once, into its own config record, when it is built; nothing else reads the raw
 * tree.
 */
public final class ConfigSection {
  private final JsonNode node;
  private final String path;

  private ConfigSection(JsonNode node, String path) {
    this.node = node;
    this.path = path;
  }

  /** The mapping {@code node} found at {@code path}; missing or null is an empty section, anything else an error. */
  public static ConfigSection of(JsonNode node, String path) {
    if (node == null || node.isMissingNode() || node.isNull()) {
      return new ConfigSection(MissingNode.getInstance(), path);
    }
    if (!node.isObject()) {
      throw new ConfigException(path + " must be a mapping (key: value lines), got " + shown(node));
    }
    return new ConfigSection(node, path);
  }

  public String path() {
    return path;
  }

  /** The raw mapping, for values no getter here models (e.g. a free-form map of translations). */
  public JsonNode node() {
    return node;
  }

  /** The full key of one of this section's fields. */
  public String key(String field) {
    return path.isEmpty() ? field : path + "." + field;
  }

  /** Whether the field is present and not null. */
  public boolean has(String field) {
    JsonNode v = node.path(field);
    return !v.isMissingNode() && !v.isNull();
  }

  /** A problem with one field, for checks of the section's own; the message follows the field's key. */
  public ConfigException problem(String field, String message) {
    return new ConfigException(key(field) + " " + message);
  }

  /** Rejects fields other than {@code allowed}, so a typo is an error rather than a setting silently ignored. */
  public ConfigSection allowOnly(List<String> allowed) {
    node.fieldNames().forEachRemaining(name -> {
      if (!allowed.contains(name)) {
        throw new ConfigException("unknown key '" + key(name) + "'; expected one of " + allowed);
      }
    });
    return this;
  }

  /** A nested mapping; absent is an empty section. */
  public ConfigSection section(String field) {
    return of(node.path(field), key(field));
  }

  /** A list of mappings ({@code key[0]}, {@code key[1]}, ...); absent is an empty list. */
  public List<ConfigSection> sections(String field) {
    JsonNode v = node.path(field);
    if (!has(field)) {
      return List.of();
    }
    if (!v.isArray()) {
      throw problem(field, "must be a list, got " + shown(v));
    }
    List<ConfigSection> out = new ArrayList<>();
    for (int i = 0; i < v.size(); i++) {
      out.add(of(v.get(i), key(field) + "[" + i + "]"));
    }
    return out;
  }

  /** A mapping of named mappings ({@code networks: {libera: {...}}}), in file order; absent is empty. */
  public Map<String, ConfigSection> namedSections(String field) {
    ConfigSection outer = section(field);
    Map<String, ConfigSection> out = new LinkedHashMap<>();
    outer.node.fields().forEachRemaining(e -> out.put(e.getKey(), of(e.getValue(), outer.key(e.getKey()))));
    return out;
  }

  /** A string (numbers and booleans are taken as written), trimmed; absent or blank gives the fallback. */
  public String text(String field, String fallback) {
    return optionalText(field).orElse(fallback);
  }

  /** A string, trimmed; absent or blank is empty. A list or mapping is an error. */
  public Optional<String> optionalText(String field) {
    JsonNode v = node.path(field);
    if (!has(field)) {
      return Optional.empty();
    }
    if (!v.isValueNode()) {
      throw problem(field, "must be a single value, got " + shown(v));
    }
    String s = v.asText().trim();
    return s.isEmpty() ? Optional.empty() : Optional.of(s);
  }

  /** A string that must be there; {@code expected} says what it is, e.g. {@code "the server's host name"}. */
  public String requiredText(String field, String expected) {
    JsonNode v = node.path(field);
    Optional<String> s = v.isValueNode() && !v.isNull() ? optionalText(field) : Optional.empty();
    if (s.isEmpty()) {
      throw problem(field, "is required: " + expected + (has(field) ? ", got " + shown(v) : ""));
    }
    return s.get();
  }

  /** {@code true} or {@code false} (also quoted, as environment overrides give). */
  public boolean bool(String field, boolean fallback) {
    JsonNode v = node.path(field);
    if (!has(field)) {
      return fallback;
    }
    if (v.isBoolean()) {
      return v.booleanValue();
    }
    String text = v.isTextual() ? v.textValue().trim().toLowerCase(Locale.ROOT) : "";
    if (text.equals("true") || text.equals("false")) {
      return text.equals("true"); // environment overrides arrive as strings
    }
    throw problem(field, "must be true or false, got " + shown(v));
  }

  public int integer(String field, int fallback, int min, int max) {
    return (int) number(field, fallback, min, max);
  }

  /**
   * A whole number from {@code min} to {@code max}; a quoted number ({@code "30"}) is accepted, since environment
   * overrides arrive as strings.
   */
  public long number(String field, long fallback, long min, long max) {
    JsonNode v = node.path(field);
    if (!has(field)) {
      return fallback;
    }
    long value;
    if (v.isIntegralNumber() && v.canConvertToLong()) {
      value = v.longValue();
    } else if (v.isTextual()) {
      try {
        value = Long.parseLong(v.textValue().trim());
      } catch (NumberFormatException e) {
        throw problem(field, "must be a whole number, got " + shown(v));
      }
    } else {
      throw problem(field, "must be a whole number, got " + shown(v));
    }
    if (value < min || value > max) {
      throw problem(field, "must be between " + min + " and " + max + ", got " + value);
    }
    return value;
  }

  /** A TCP or UDP port, 1 to 65535 (a quoted number, as environment overrides give, is accepted). */
  public int port(String field, int fallback) {
    JsonNode v = node.path(field);
    if (!has(field)) {
      return fallback;
    }
    String text = v.isIntegralNumber() || v.isTextual() ? v.asText().trim() : "";
    if (text.matches("[0-9]{1,5}") && Integer.parseInt(text) >= 1 && Integer.parseInt(text) <= 65535) {
      return Integer.parseInt(text);
    }
    throw problem(field, "must be a port number from 1 to 65535, got " + shown(v));
  }

  /** A whole number of seconds. */
  public Duration seconds(String field, Duration fallback, Duration min, Duration max) {
    return Duration.ofSeconds(number(field, fallback.toSeconds(), min.toSeconds(), max.toSeconds()));
  }

  /** A whole number of milliseconds. */
  public Duration millis(String field, Duration fallback, Duration min, Duration max) {
    return Duration.ofMillis(number(field, fallback.toMillis(), min.toMillis(), max.toMillis()));
  }

  /** One string or a list of strings; absent is an empty list. */
  public List<String> strings(String field) {
    JsonNode v = node.path(field);
    if (!has(field)) {
      return List.of();
    }
    if (v.isValueNode()) {
      return optionalText(field).map(List::of).orElse(List.of());
    }
    if (!v.isArray()) {
      throw problem(field, "must be a string or a list of strings, got " + shown(v));
    }
    List<String> out = new ArrayList<>();
    for (JsonNode item : v) {
      if (!item.isValueNode() || item.isNull()) {
        throw problem(field, "must be a list of strings, got " + shown(item) + " in it");
      }
      out.add(item.asText().trim());
    }
    return out;
  }

  /** One of an enum's constants, written in lower case with {@code _} or {@code -} ({@code plain_text}). */
  public <E extends Enum<E>> E choice(String field, Class<E> type, E fallback) {
    Optional<String> s = optionalText(field);
    if (s.isEmpty()) {
      return fallback;
    }
    String wanted = s.get().toUpperCase(Locale.ROOT).replace('-', '_');
    for (E e : type.getEnumConstants()) {
      if (e.name().equals(wanted)) {
        return e;
      }
    }
    List<String> names = new ArrayList<>();
    for (E e : type.getEnumConstants()) {
      names.add(e.name().toLowerCase(Locale.ROOT));
    }
    throw problem(field, "must be one of " + String.join(", ", names) + ", got " + shown(node.path(field)));
  }

  /** An {@code http://} or {@code https://} URL with a host, which must be there. */
  public URI httpUrl(String field) {
    return optionalHttpUrl(field).orElseThrow(() -> problem(field, "is required: an http:// or https:// URL"));
  }

  public Optional<URI> optionalHttpUrl(String field) {
    return optionalText(field).map(raw -> {
      try {
        URI uri = new URI(raw);
        if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
          throw problem(field, "must be an http:// or https:// URL with a host, got \"" + raw + "\"");
        }
        return uri;
      } catch (URISyntaxException e) {
        throw problem(field, "is not a valid URL: \"" + raw + "\"");
      }
    });
  }

  /**
   * A value of the connector's own kind, parsed by {@code parse} from the field's text; {@code parse} throws
   * {@link IllegalArgumentException} with what is wrong, which is reported under the field's key.
   */
  public <T> Optional<T> parsed(String field, Function<String, T> parse) {
    return optionalText(field).map(raw -> {
      try {
        return parse.apply(raw);
      } catch (IllegalArgumentException e) {
        throw problem(field, e.getMessage() == null ? "is not valid: \"" + raw + "\"" : e.getMessage());
      }
    });
  }

  /** A value as an admin wrote it, for messages; long values are cut. */
  private static String shown(JsonNode v) {
    String s = v.isTextual() ? "\"" + v.textValue() + "\"" : v.toString();
    return s.length() > 80 ? s.substring(0, 77) + "..." : s;
  }
}
