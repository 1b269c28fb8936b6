package dev.switchboard.registration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegistrationFileTest {
  private static final String DOMAIN = "example.org";
  private final Tokens tokens = new Tokens(new SecureRandom());

  private Namespaces irc() {
    return new Namespaces(List.of(NamespaceRegex.users("_irc_", DOMAIN)),
        List.of(NamespaceRegex.aliases("_irc_", DOMAIN)), List.of());
  }

  @Test
  void firstWriteHasEveryRequiredFieldAndDistinctLongTokens(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("registration.yaml");

    Registration r = RegistrationFile.writeKeepingTokens(file, "switchboard", "http://127.0.0.1:29320",
        "switchboard", irc(), List.of("irc"), tokens, DOMAIN);

    String yaml = Files.readString(file);
    assertThat(yaml).contains("id: switchboard", "url: http://127.0.0.1:29320", "as_token: ", "hs_token: ",
        "sender_localpart: switchboard", "namespaces:", "rate_limited: false", "receive_ephemeral: true",
        "de.sorunome.msc2409.push_ephemeral: true", "- irc");
    assertThat(r.asToken()).hasSize(64).isNotEqualTo(r.hsToken());
    assertThat(r.hsToken()).hasSize(64);
    assertThat(RegistrationFile.read(file)).isEqualTo(r);
  }

  @Test
  void secondWriteKeepsTheTokensAndRefreshesNamespaces(@TempDir Path dir) {
    Path file = dir.resolve("registration.yaml");
    Registration first = RegistrationFile.writeKeepingTokens(file, "switchboard", "http://127.0.0.1:1",
        "switchboard", irc(), List.of("irc"), tokens, DOMAIN);

    Namespaces more = irc().plus(new Namespaces(List.of(NamespaceRegex.users("_xmpp_", DOMAIN)), List.of(),
        List.of()));
    Registration second = RegistrationFile.writeKeepingTokens(file, "switchboard", "http://127.0.0.1:2",
        "switchboard", more, List.of("irc", "xmpp"), tokens, DOMAIN);

    assertThat(second.asToken()).isEqualTo(first.asToken());
    assertThat(second.hsToken()).isEqualTo(first.hsToken());
    assertThat(second.url()).isEqualTo("http://127.0.0.1:2");
    assertThat(RegistrationFile.read(file).namespaces().users()).hasSize(2);
  }

  @Test
  void namespacesMatchLikePythonReMatchAnchoredAtTheStartOnly() {
    Namespaces ns = irc();
    assertThat(ns.claimsUser("@_irc_libera_alice:example.org")).isTrue();
    assertThat(ns.claimsUser("@alice:example.org")).isFalse();
    assertThat(ns.claimsUser("@x_irc_alice:example.org")).isFalse();
    assertThat(ns.claimsUser("@_irc_alice:exampleXorg")).isFalse();
    assertThat(ns.claimsAlias("#_irc_libera_#java:example.org")).isTrue();
    // lookingAt, not matches: a pattern without $ claims everything that starts with it.
    assertThat(new Namespace(true, "@_irc_").matches("@_irc_anything:else")).isTrue();
  }

  @Test
  void validationNamesEveryProblem() {
    Registration bad = new Registration("", "http://x", "same", "same", "Bad Bot",
        new Namespaces(List.of(new Namespace(true, "@_irc_(")), List.of(), List.of()), false, List.of(), true, true);

    assertThatThrownBy(() -> RegistrationValidator.validate(bad, DOMAIN))
        .isInstanceOf(RegistrationException.class)
        .hasMessageContaining("id must not be empty")
        .hasMessageContaining("as_token and hs_token must differ")
        .hasMessageContaining("sender_localpart 'Bad Bot'")
        .hasMessageContaining("'@_irc_(' is not a valid regular expression");
  }

  @Test
  void theBotMayNotLieInsideAGhostNamespace() {
    Registration r = new Registration("sb", "http://x", "a", "b", "_irc_bot", irc(), false, List.of(), true, true);
    assertThatThrownBy(() -> RegistrationValidator.validate(r, DOMAIN))
        .hasMessageContaining("falls inside the user namespace");
  }

  @Test
  void tokensCompareInConstantTimeAndNullNeverMatches() {
    assertThat(Tokens.constantTimeEquals("abc", "abc")).isTrue();
    assertThat(Tokens.constantTimeEquals("abc", "abd")).isFalse();
    assertThat(Tokens.constantTimeEquals("abc", null)).isFalse();
  }
}
