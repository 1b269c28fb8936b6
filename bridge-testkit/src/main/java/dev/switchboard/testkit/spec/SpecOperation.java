package dev.switchboard.testkit.spec;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One operation of the spec's OpenAPI files: where it is defined and the path template it serves.
 *
 * @param file the API file, relative to {@link SpecSchemas#ROOT}
 * @param method lower-case HTTP method
 * @param pathTemplate the full path template, base path included
 * @param pattern the template as a regex (a parameter is one path segment, possibly empty)
 * @param parameters path and query parameters, local {@code $ref}s resolved
 * @param node the operation object
 * @param pointer JSON pointer of the operation object in its file
 */
public record SpecOperation(String file, String method, String pathTemplate, Pattern pattern,
    List<JsonNode> parameters, JsonNode node, String pointer) {

  private static final Pattern PARAM = Pattern.compile("\\{[^}]+}");

  static Pattern compile(String template) {
    StringBuilder regex = new StringBuilder();
    Matcher m = PARAM.matcher(template);
    int last = 0;
    while (m.find()) {
      regex.append(Pattern.quote(template.substring(last, m.start())));
      // A state key may be empty (PUT /state/{type}/ with a trailing slash).
      regex.append("[^/]*");
      last = m.end();
    }
    regex.append(Pattern.quote(template.substring(last)));
    return Pattern.compile(regex.toString());
  }

  int literalLength() {
    return PARAM.matcher(pathTemplate).replaceAll("").length();
  }
}
