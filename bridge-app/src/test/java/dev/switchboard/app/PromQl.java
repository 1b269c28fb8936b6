package dev.switchboard.app;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The series names a PromQL expression reads, and the series names a Prometheus scrape exports: enough PromQL to
 * check shipped dashboards and alert rules against the bridge's {@code /metrics}, not a parser.
 */
final class PromQl {
  private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'");
  private static final Pattern MATCHERS = Pattern.compile("\\{[^}]*}");
  private static final Pattern RANGE = Pattern.compile("\\[[^]]*]");
  private static final Pattern LABEL_LIST =
      Pattern.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
  private static final Pattern IDENTIFIER = Pattern.compile("(?<![0-9.])\\b[a-zA-Z_:][a-zA-Z0-9_:]*\\b(?!\\s*\\()");
  private static final Set<String> KEYWORDS =
      Set.of("and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "bool",
          "offset", "inf", "nan");
  private static final Pattern SAMPLE = Pattern.compile("(?m)^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]");

  private PromQl() {}

  /**
   * The metric names {@code expr} selects, e.g. {@code switchboard_inbox_depth} in
   * {@code sum(switchboard_inbox_depth{instance="a"})}.
   */
  static Set<String> seriesIn(String expr) {
    String bare = STRING.matcher(expr).replaceAll("\"\"");
    bare = MATCHERS.matcher(bare).replaceAll(" ");
    bare = RANGE.matcher(bare).replaceAll(" ");
    bare = LABEL_LIST.matcher(bare).replaceAll(" ");
    Set<String> names = new LinkedHashSet<>();
    Matcher m = IDENTIFIER.matcher(bare);
    while (m.find()) {
      if (!KEYWORDS.contains(m.group().toLowerCase(java.util.Locale.ROOT))) {
        names.add(m.group());
      }
    }
    return names;
  }

  /** The series names of a Prometheus text-format scrape (a timer's {@code _count}, {@code _sum}, ... each). */
  static Set<String> exported(String scrape) {
    Set<String> names = new LinkedHashSet<>();
    Matcher m = SAMPLE.matcher(scrape);
    while (m.find()) {
      names.add(m.group(1));
    }
    return names;
  }
}
