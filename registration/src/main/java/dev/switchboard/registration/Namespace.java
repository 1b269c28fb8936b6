package dev.switchboard.registration;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * One namespace entry of a registration: a regular expression and whether the AS claims it exclusively.
 *
 * <p>Homeservers match with Python's {@code re.match}: anchored at the start only. {@link #matches}
 * uses {@link java.util.regex.Matcher#lookingAt()} for the same semantics.
 */
public record Namespace(@JsonProperty("exclusive") boolean exclusive, @JsonProperty("regex") String regex) {
  /** Compiled patterns by regex: matching runs for every dispatched event, compiling must not. */
  private static final java.util.Map<String, Pattern> COMPILED = new java.util.concurrent.ConcurrentHashMap<>();

  public Namespace {
    Objects.requireNonNull(regex, "regex");
  }

  /** Compiles the regex, failing with a message that names it. */
  @JsonIgnore
  public Pattern pattern() {
    Pattern cached = COMPILED.get(regex);
    if (cached != null) {
      return cached;
    }
    try {
      Pattern compiled = Pattern.compile(regex);
      if (COMPILED.size() < 10_000) {
        COMPILED.put(regex, compiled);
      }
      return compiled;
    } catch (PatternSyntaxException e) {
      throw new RegistrationException("namespace regex '" + regex + "' is not a valid regular expression: "
          + e.getDescription());
    }
  }

  /** True when the homeserver would consider {@code value} part of this namespace. */
  public boolean matches(String value) {
    return pattern().matcher(value).lookingAt();
  }
}
