package dev.switchboard.irc.relay;

import dev.switchboard.core.id.UserId;
import dev.switchboard.core.permission.RelayFormat;
import dev.switchboard.irc.format.IrcCodes;
import dev.switchboard.irc.format.IrcLines;
import dev.switchboard.irc.format.MessageKind;
import dev.switchboard.irc.message.Voice;
import dev.switchboard.irc.network.IrcConnection;
import dev.switchboard.irc.portal.ChannelName;
import dev.switchboard.irc.puppet.Puppets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.IntSupplier;

/**
 * The network's bot speaking for a {@code relay} user in one channel: each line is {@link RelayFormat#render}ed
 * ({@code <Rita> hi}, an emote as {@code * Rita waves}), so IRC sees who wrote it and that the bridge relayed it.
 * The text is split for the bot's nick with room for the rendered name on every line, so a long message keeps the
 * name on each of its lines and no line grows past the server's limit; the bot's flood control paces them.
 */
public final class RelayVoice implements Voice {
  private static final int MAX_LABEL_CHARS = 64;
  /** A name so long that less than this is left for text still gets a few words a line. */
  private static final int MIN_TEXT_BYTES = 16;

  /** The bot's side of it: its nick now, and sending to a channel (held until it is in it, flood-controlled). */
  interface Bot {
    String nick();

    CompletableFuture<Void> send(ChannelName channel, MessageKind kind, List<String> lines,
        Consumer<Optional<String>> onEcho);
  }

  private final Bot bot;
  private final ChannelName channel;
  private final RelayFormat format;
  private final UserId user;
  private final String displayName;
  private final IntSupplier nickLength;

  /** @param nickLength the longest nick the bot may end up with (the server's NICKLEN as far as we know it) */
  public RelayVoice(IrcConnection bot, ChannelName channel, RelayFormat format, UserId user, String displayName,
      IntSupplier nickLength) {
    this(new Bot() {
      @Override
      public String nick() {
        return bot.nick();
      }

      @Override
      public CompletableFuture<Void> send(ChannelName to, MessageKind kind, List<String> lines,
          Consumer<Optional<String>> onEcho) {
        return bot.send(to, kind, lines, onEcho);
      }
    }, channel, format, user, displayName, nickLength);
  }

  RelayVoice(Bot bot, ChannelName channel, RelayFormat format, UserId user, String displayName,
      IntSupplier nickLength) {
    this.bot = bot;
    this.channel = channel;
    this.format = format;
    this.user = user;
    this.displayName = displayName;
    this.nickLength = nickLength;
  }

  @Override
  public List<String> lines(MessageKind kind, String text) {
    boolean emote = kind == MessageKind.EMOTE;
    List<String> out = new ArrayList<>();
    for (String chunk : IrcCodes.carryOver(IrcLines.split(text, lineBudget(kind)))) {
      // Split again: a template with {message} twice, say, must still give safe lines within the limit.
      out.addAll(IrcLines.split(format.render(user, displayName, chunk, emote), fullBudget()));
    }
    return out;
  }

  @Override
  public int lineBudget(MessageKind kind) {
    int overhead = IrcLines.utf8Length(format.render(user, displayName, "", kind == MessageKind.EMOTE));
    return Math.max(MIN_TEXT_BYTES, fullBudget() - overhead - Puppets.CARRY_RESERVE);
  }

  /** An emote is rendered by the emote format and sent as a message: the bot's own ACTION would be "* switchboard ...". */
  @Override
  public CompletableFuture<Void> send(MessageKind kind, List<String> lines, Consumer<Optional<String>> onEcho) {
    if (lines.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    return bot.send(channel, kind == MessageKind.EMOTE ? MessageKind.TEXT : kind, lines, onEcho);
  }

  /** The name shown in the line; recorded so a Matrix reply to the relayed message says {@code Rita: ...}. */
  @Override
  public Optional<String> author() {
    return Optional.of(label(user, displayName));
  }

  /**
   * The author a relayed line is recorded under in the message map: the display name (or localpart) as one line,
   * without {@code /}, which the map uses as a separator.
   */
  static String label(UserId user, String displayName) {
    String name = displayName == null ? "" : displayName.replaceAll("[\\p{Cntrl}\\u0085\\u2028\\u2029/]", " ").strip();
    if (name.isEmpty()) {
      name = user.localpart().replace('/', '_');
    }
    return name.length() > MAX_LABEL_CHARS ? name.substring(0, MAX_LABEL_CHARS) : name;
  }

  private int fullBudget() {
    String nick = bot.nick();
    return IrcLines.textBudget("n".repeat(Math.max(nickLength.getAsInt(), nick.length())), channel.value(), 0);
  }
}
