package dev.switchboard.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.command.Command;
import dev.switchboard.core.command.CommandRegistry;
import dev.switchboard.core.permission.Level;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The matcher the docs test uses: made-up commands, wrong shapes and undocumented commands are caught. */
class DocumentedCommandsTest {
  private static final List<CommandRegistry.Entry> REGISTRY = List.of(
      entry(CommandRegistry.CORE, "help", ""),
      entry(CommandRegistry.CORE, "link", "<connector> <remote-room>"),
      entry("irc", "join", "<channel> [key] [network]"),
      entry("sip", "call", "<number...>"));

  private static CommandRegistry.Entry entry(String namespace, String name, String syntax) {
    return new CommandRegistry.Entry(namespace, Command.of(name, syntax, "test", Level.USER,
        call -> CompletableFuture.completedFuture("")));
  }

  private static List<String> problems(String markdown) {
    return DocumentedCommands.problems(DocumentedCommands.mentions("page.md", markdown), REGISTRY);
  }

  @Test
  void mentionsComeFromInlineCodeAndFromCommandLinesInFences() {
    assertThat(DocumentedCommands.mentions("page.md", """
        Send `!link <connector>
        <remote room>` or `` !help `` there; `config: value` is no command.

        ```
        !irc join #java libera
        not a command
        ```
        """)).extracting(DocumentedCommands.Mention::text)
        .containsExactly("!irc join #java libera", "!link <connector> <remote room>", "!help");
  }

  @Test
  void docsThatMentionEveryCommandWithItsSyntaxHaveNoProblems() {
    assertThat(problems("`!help`, `!link irc libera/#java`, `!irc join <#channel> [key]`, `!irc join`, "
        + "`!irc`, `!irc help`, `!irc <command>`, `!sip call +44 20 7123 4567`, `!admin appservices list`"))
        .isEmpty();
  }

  @Test
  void aMadeUpCommandIsAProblem() {
    assertThat(problems("`!help` `!link a b` `!irc join #a` `!sip call 1` `!irc frobnicate #a` `!plumb`"))
        .hasSize(2)
        .anySatisfy(p -> assertThat(p).contains("`!irc frobnicate #a`: irc has no command frobnicate"))
        .anySatisfy(p -> assertThat(p).contains("`!plumb` names no command"));
  }

  @Test
  void argumentsTheSyntaxRefusesAreAProblem() {
    assertThat(problems("`!help` `!sip call 1` `!irc join #a` `!link <connector>` `!link a b c` `!help me`"))
        .containsExactly(
            "page.md: `!link <connector>` does not fit `!link <connector> <remote-room>`",
            "page.md: `!link a b c` does not fit `!link <connector> <remote-room>`",
            "page.md: `!help me` does not fit `!help`");
  }

  @Test
  void theGrammarMayBeShownButACommandUnderAPlaceholderNamespaceMustExistInAConnector() {
    assertThat(problems("`!help` `!link a b` `!irc join #a` `!sip call 1` `!<protocol> <command>` `!<protocol>` "
        + "`!<protocol> help` `!<protocol> join`")).isEmpty();

    assertThat(problems("`!help` `!link a b` `!irc join #a` `!sip call 1` `!<protocol> link`"))
        .containsExactly("page.md: `!<protocol> link`: no connector has a command link (it is core's `!link`)");
  }

  @Test
  void aCommandNoPageMentionsIsAProblem() {
    assertThat(problems("`!help` `!link a b` `!irc join #a`"))
        .containsExactly("`!sip call <number...>` is not documented (no docs page mentions it)");
  }
}
