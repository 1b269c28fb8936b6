package dev.switchboard.irc.message;

import dev.switchboard.core.id.UserId;
import dev.switchboard.irc.format.MessageKind;
import dev.switchboard.irc.network.IrcConnection;
import dev.switchboard.irc.portal.ChannelRef;
import dev.switchboard.irc.puppet.Puppets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Who a Matrix user's message goes out as in one channel: their own puppet, or the bot speaking for a {@code relay}
 * user ({@link dev.switchboard.irc.relay.RelayVoice}). Splitting, line budgets and the author the message map
 * records depend on it; what the text is does not.
 */
public interface Voice {
  /** Matrix text (with IRC formatting codes) as the safe lines this voice sends. */
  List<String> lines(MessageKind kind, String text);

  /** The bytes of text {@link #lines} keeps on one line (a long message's one-line preview is cut to it). */
  int lineBudget(MessageKind kind);

  /** Sends lines from {@link #lines}; {@code onEcho} gets each line's server msgid when the server echoes it. */
  CompletableFuture<Void> send(MessageKind kind, List<String> lines, Consumer<Optional<String>> onEcho);

  /**
   * As {@link #send}, with one future a line where the voice can tell (then a retry after a lost connection sends
   * only the lines not written yet); by default one future for all of them.
   */
  default List<CompletableFuture<Void>> sendEach(MessageKind kind, List<String> lines,
      Consumer<Optional<String>> onEcho) {
    return List.of(send(kind, lines, onEcho));
  }

  /** The name IRC knows the author by, for replies and redactions naming them later; read after sending. */
  Optional<String> author();

  /** {@code user}'s own connection. */
  static Voice puppet(Puppets puppets, UserId user, ChannelRef channel) {
    return new Voice() {
      @Override
      public List<String> lines(MessageKind kind, String text) {
        return puppets.lines(user, channel.channel(), kind, text);
      }

      @Override
      public int lineBudget(MessageKind kind) {
        return puppets.lineBudget(user, channel.channel(), kind) - Puppets.CARRY_RESERVE;
      }

      @Override
      public CompletableFuture<Void> send(MessageKind kind, List<String> lines, Consumer<Optional<String>> onEcho) {
        return puppets.sendLines(user, channel.channel(), kind, lines, onEcho);
      }

      @Override
      public List<CompletableFuture<Void>> sendEach(MessageKind kind, List<String> lines,
          Consumer<Optional<String>> onEcho) {
        return puppets.sendEach(user, channel.channel(), kind, lines, onEcho);
      }

      @Override
      public Optional<String> author() {
        return puppets.existing(user).map(IrcConnection::nick);
      }
    };
  }
}
