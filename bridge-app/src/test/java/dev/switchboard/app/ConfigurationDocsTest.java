package dev.switchboard.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.switchboard.core.command.CommandRegistry;
import dev.switchboard.core.command.Scope;
import dev.switchboard.core.config.ConfigLoader;
import dev.switchboard.core.permission.Level;
import dev.switchboard.testkit.fixture.Fixture;
import dev.switchboard.testkit.fixture.HomeserverFixture;
import dev.switchboard.testkit.fixture.IrcServerFixture;
import dev.switchboard.testkit.fixture.XmppServerFixture;
import dev.switchboard.testkit.homeserver.TestHomeserver;
import dev.switchboard.testkit.irc.NgircdServer;
import dev.switchboard.testkit.sip.RtpEngineServer;
import dev.switchboard.testkit.xmpp.ProsodyServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keeps {@code docs/configuration.md} and the sample config the bridge writes in step: every key of core's sections
 * in the sample has a row in the reference, and every row names a key the sample shows (set or commented out). And
 * keeps the docs' {@code !commands} in step with the commands a running bridge with all three connectors has.
 */
class ConfigurationDocsTest {
  @TempDir
  static Path dir;
  // Started only for the commands test: the config tests need no server.
  @RegisterExtension
  static final Fixture<NgircdServer> ircd = IrcServerFixture.ngircd().onFirstUse();
  @RegisterExtension
  static final Fixture<ProsodyServer> prosody = XmppServerFixture.prosody().onFirstUse();
  @RegisterExtension
  static final Fixture<RtpEngineServer> rtpengine = Fixture.of(() -> RtpEngineServer.start(dir)).onFirstUse();
  @RegisterExtension
  static final Fixture<TestHomeserver> hs = HomeserverFixture.start().onFirstUse();
  @RegisterExtension
  static final Fixture<ThreeNetworkBridge> bridge = Fixture.of(() -> ThreeNetworkBridge.start(dir, hs.get(),
      ircd.get(), prosody.get(), rtpengine.get())).onFirstUse();

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

  /** docs/*.md and README.md, by file name. */
  private static Map<String, String> pages() throws Exception {
    Map<String, String> pages = new TreeMap<>();
    try (Stream<Path> files = Files.list(Path.of("../docs"))) {
      for (Path page : files.filter(p -> p.toString().endsWith(".md")).toList()) {
        pages.put("docs/" + page.getFileName(), Files.readString(page));
      }
    }
    pages.put("README.md", Files.readString(Path.of("../README.md")));
    return pages;
  }

  @Test
  void everyKeyTheDocsKeyTablesNameIsReadByTheCode() throws Exception {
    Map<String, String> pages = pages();
    assertThat(pages.values().stream().mapToInt(p -> DocumentedKeys.keys(p).size()).sum()).isGreaterThan(150);

    assertThat(DocumentedKeys.unknown(pages, DocumentedKeys.literals(Path.of("..")))).isEmpty();
  }

  @Test
  void aMadeUpKeyIsReported() throws Exception {
    String page = """
        | key | default | meaning |
        | --- | --- | --- |
        | `trunk.host` | none | fine |
        | `trunk.hots`, `networks.<id>.nick` | none | a typo |
        """;

    assertThat(DocumentedKeys.unknown(Map.of("sip.md", page), DocumentedKeys.literals(Path.of(".."))))
        .containsExactly("sip.md: trunk.hots (hots is read nowhere in the code)");
  }

  @Test
  void everyCommandTheDocsMentionExistsWithThatSyntaxAndEveryCommandIsDocumented() throws Exception {
    List<DocumentedCommands.Mention> mentions = new ArrayList<>();
    for (Map.Entry<String, String> page : pages().entrySet()) {
      mentions.addAll(DocumentedCommands.mentions(page.getKey(), page.getValue()));
    }
    CommandRegistry registry = bridge.get().bridge().commands();
    Set<CommandRegistry.Entry> commands = new LinkedHashSet<>();
    for (Scope scope : Scope.values()) {
      commands.addAll(registry.usable(Level.ADMIN, scope, Optional.empty()));
    }

    assertThat(commands).extracting(CommandRegistry.Entry::namespace).as("core's and two connectors' commands")
        .contains(CommandRegistry.CORE, "irc", "sip");
    assertThat(mentions).hasSizeGreaterThan(50);
    assertThat(DocumentedCommands.problems(mentions, List.copyOf(commands))).isEmpty();
  }
}
