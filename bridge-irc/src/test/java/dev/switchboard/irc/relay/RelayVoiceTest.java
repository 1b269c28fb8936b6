package dev.switchboard.irc.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.id.UserId;
import dev.switchboard.core.permission.RelayFormat;
import dev.switchboard.irc.format.IrcLines;
import dev.switchboard.irc.format.MessageKind;
import dev.switchboard.irc.portal.ChannelName;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The bot's lines for a relay user: the name on every line, within the server's limit, never a line break. */
class RelayVoiceTest {
  private static final UserId RITA = UserId.of("@rita:relayed.org");
  private static final ChannelName ROOM = ChannelName.parse("#room").orElseThrow();
  private static final int NICK_LENGTH = 30;

  private final List<String> sent = new ArrayList<>();
  private final List<MessageKind> kinds = new ArrayList<>();
  private final RelayVoice.Bot bot = new RelayVoice.Bot() {
    @Override
    public String nick() {
      return "switchboard";
    }

    @Override
    public CompletableFuture<Void> send(ChannelName channel, MessageKind kind, List<String> lines,
        Consumer<Optional<String>> onEcho) {
      sent.addAll(lines);
      lines.forEach(l -> kinds.add(kind));
      return CompletableFuture.completedFuture(null);
    }
  };

  private RelayVoice voice(RelayFormat format, String name) {
    return new RelayVoice(bot, ROOM, format, RITA, name, () -> NICK_LENGTH);
  }

  /** The most a line may have for the bot in #room, as Puppets budgets it. */
  private static int limit() {
    return IrcLines.textBudget("n".repeat(NICK_LENGTH), ROOM.value(), 0);
  }

  @Test
  void aLongMessageKeepsTheNameOnEveryLineAndEachLineFits() {
    String text = ("word ").repeat(300).strip();
    List<String> lines = voice(RelayFormat.defaults(), "Rita").lines(MessageKind.TEXT, text);

    assertThat(lines).hasSizeGreaterThan(3).allSatisfy(l -> {
      assertThat(l).startsWith("<Rita> ");
      assertThat(IrcLines.utf8Length(l)).isLessThanOrEqualTo(limit());
    });
    assertThat(String.join(" ", lines.stream().map(l -> l.substring("<Rita> ".length())).toList()))
        .isEqualTo(text);
  }

  @Test
  void lineBreaksInTheTextOrTheNameNeverReachTheWire() {
    RelayVoice voice = voice(RelayFormat.defaults(), "Ri\r\nQUIT :x");

    List<String> lines = voice.lines(MessageKind.TEXT, "one\r\ntwo\rPRIVMSG #x :three\u0000\u0001");

    assertThat(lines).containsExactly("<Ri  QUIT :x> one", "<Ri  QUIT :x> two",
        "<Ri  QUIT :x> PRIVMSG #x :three");
    assertThat(lines).noneMatch(l -> l.matches("(?s).*[\r\n\u0000\u0001].*"));
  }

  @Test
  void anEmoteUsesTheEmoteFormatAndGoesOutAsAPlainMessage() {
    RelayVoice voice = voice(RelayFormat.defaults(), "Rita");

    voice.send(MessageKind.EMOTE, voice.lines(MessageKind.EMOTE, "waves"), null);

    assertThat(sent).containsExactly("* Rita waves");
    assertThat(kinds).containsExactly(MessageKind.TEXT);
    assertThat(voice.author()).contains("Rita");
  }

  @Test
  void aTemplateThatRepeatsTheMessageStillGivesLinesWithinTheLimit() {
    RelayFormat twice = new RelayFormat("[{name}] {message} / {message}", RelayFormat.DEFAULT_EMOTE);
    List<String> lines = voice(twice, "Rita").lines(MessageKind.TEXT, "x".repeat(2_000));

    assertThat(lines).allSatisfy(l -> assertThat(IrcLines.utf8Length(l)).isLessThanOrEqualTo(limit()));
  }

  @Test
  void withoutADisplayNameTheLocalpartNamesThemAndTheAuthorHasNoSlash() {
    assertThat(voice(RelayFormat.defaults(), "").lines(MessageKind.NOTICE, "hi")).containsExactly("<rita> hi");
    assertThat(voice(RelayFormat.defaults(), "a/b").author()).contains("a b");
  }
}
