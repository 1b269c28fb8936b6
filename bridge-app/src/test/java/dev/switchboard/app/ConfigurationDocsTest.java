package dev.switchboard.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.switchboard.core.config.ConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Keeps {@code docs/configuration.md} and the sample config the bridge writes in step: every key of core's sections
 * in the sample has a row in the reference, and every row names a key the sample shows (set or commented out).
 */
class ConfigurationDocsTest {
  private static final List<String> CORE_SECTIONS =
      List.of("homeserver", "appservice", "database", "metrics", "provisioning", "logging", "media");
  private static final Pattern ROW = Pattern.compile("(?m)^\\| `([a-z_]+)` \\|");

  private static String docs() throws Exception {
    return Files.readString(Path.of("../docs/configuration.md"));
  }

  /** The text of "## `section`" up to the next "## " heading. */
  private static String docSection(String docs, String section) {
    int start = docs.indexOf("## `" + section + "`");
    assertThat(start).as("docs/configuration.md has a section for " + section).isNotNegative();
    int end = docs.indexOf("\n## ", start + 3);
    return docs.substring(start, end < 0 ? docs.length() : end);
  }

  /** The sample's text of one top-level section (up to the next top-level key), commented-out keys included. */
  private static String sampleSection(String sample, String section) {
    Matcher m = Pattern.compile("(?m)^" + section + ":\\s*$").matcher(sample);
    assertThat(m.find()).as("the sample config has a " + section + " section").isTrue();
    Matcher next = Pattern.compile("(?m)^[a-z]").matcher(sample);
    return sample.substring(m.end(), next.find(m.end()) ? next.start() : sample.length());
  }

  @Test
  void everyKeyOfTheSampleIsDocumentedAndEveryDocumentedKeyIsInTheSample() throws Exception {
    String docs = docs();
    String sample = ConfigLoader.sampleConfig();
    JsonNode tree = new ObjectMapper(new YAMLFactory()).readTree(sample);
    List<String> problems = new ArrayList<>();
    for (String section : CORE_SECTIONS) {
      Set<String> documented = new LinkedHashSet<>();
      Matcher row = ROW.matcher(docSection(docs, section));
      while (row.find()) {
        documented.add(row.group(1));
      }
      tree.path(section).fieldNames().forEachRemaining(key -> {
        if (!documented.contains(key)) {
          problems.add(section + "." + key + " is in the sample config but not in docs/configuration.md");
        }
      });
      String sampleText = sampleSection(sample, section);
      for (String key : documented) {
        if (!Pattern.compile("(?m)^\\s*#?\\s*" + key + ":").matcher(sampleText).find()) {
          problems.add(section + "." + key + " is documented but missing from the sample config");
        }
      }
    }
    for (String connector : ConfigLoader.CONNECTOR_SECTIONS) {
      if (!docs.contains("`" + connector + "`")) {
        problems.add("connector section " + connector + " is not mentioned in docs/configuration.md");
      }
    }
    if (!docs.contains("## `permissions`")) {
      problems.add("permissions has no section in docs/configuration.md");
    }
    assertThat(problems).isEmpty();
  }
}
