package dev.switchboard.irc.network;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drops, on a puppet's socket, the channel messages other people sent, before Kitteh parses them. Every line said in
 * a channel reaches every connection of ours in it, but only the bot's connection turns it into a Matrix event (it
 * is the listener of every bridged channel; a puppet's {@link KittehListener} would make an event that {@code
 * IrcNetwork} ignores). With 50 puppets in a channel Kitteh parsed each line 51 times, on 51 input threads; now
 * once, and 50 times a look at its first words.
 *
 * <p>Dropped: {@code PRIVMSG}, {@code NOTICE} and {@code TAGMSG} (any case, with or without IRCv3 tags) from someone
 * else to a target that cannot be a nick: a channel ({@code #&!+}) or a status-message target ({@code @#chan}).
 * Kept: everything else, so all that changes state (JOIN, PART, KICK, NICK, MODE, TOPIC, QUIT, numerics), messages
 * to the puppet itself, server broadcasts ({@code $mask}) and the puppet's own lines echoed back ({@code
 * echo-message}: {@link EchoTracker} confirms a line on the connection that sent it). The filter follows its own
 * nick from the lines it sees (001 and our NICK), in socket order, so an echo that follows a nick change is never
 * mistaken for someone else's line; before 001 nothing is dropped.
 *
 * <p>Kitteh builds its input handlers once the socket connects; {@link #installer()} waits for them and puts the
 * filter right before the handler that hands lines to Kitteh. If that handler is not found (another Kitteh
 * version), nothing is filtered and a warning is logged once.
 */
final class ChannelLineFilter {
  private static final Logger log = LoggerFactory.getLogger(ChannelLineFilter.class);
  /** Kitteh 9's last input handler: it hands each decoded line to the client. */
  static final String KITTEH_INPUT = "[INPUT] Send to client";
  private static final String NAME = "switchboard channel lines";
  /** Characters a nick cannot start with and a channel or status-message target can (RFC 2811/2812, STATUSMSG). */
  private static final String NOT_A_NICK = "#&!+@%~";
  private static volatile boolean warned;

  /** Our nick as the server last told it on this socket; null before 001. */
  private String nick;

  /** Whether a decoded line (without its CR LF) must reach Kitteh; updates the nick this filter follows. */
  boolean keep(String line) {
    int at = 0;
    if (line.startsWith("@")) {
      at = skipSpaces(line, line.indexOf(' '));
      if (at < 0) {
        return true;
      }
    }
    if (at >= line.length() || line.charAt(at) != ':') {
      return true; // no prefix: PING, ERROR, AUTHENTICATE: never a channel message
    }
    int prefixEnd = line.indexOf(' ', at);
    int commandStart = skipSpaces(line, prefixEnd);
    if (commandStart < 0) {
      return true;
    }
    int commandEnd = line.indexOf(' ', commandStart);
    int paramStart = skipSpaces(line, commandEnd);
    if (paramStart < 0) {
      return true;
    }
    String command = line.substring(commandStart, commandEnd);
    int paramEnd = line.indexOf(' ', paramStart);
    String param = line.substring(paramStart, paramEnd < 0 ? line.length() : paramEnd);
    if (command.equals("001")) {
      nick = param;
      return true;
    }
    String sender = senderNick(line, at + 1, prefixEnd);
    if (command.equalsIgnoreCase("NICK")) {
      if (nick != null && sender.equalsIgnoreCase(nick)) {
        nick = param.startsWith(":") ? param.substring(1) : param;
      }
      return true;
    }
    boolean message = command.equalsIgnoreCase("PRIVMSG") || command.equalsIgnoreCase("NOTICE")
        || command.equalsIgnoreCase("TAGMSG");
    return !message || nick == null || sender.equalsIgnoreCase(nick) || NOT_A_NICK.indexOf(param.charAt(0)) < 0;
  }

  private static String senderNick(String line, int from, int prefixEnd) {
    int end = prefixEnd;
    for (int i = from; i < prefixEnd; i++) {
      char c = line.charAt(i);
      if (c == '!' || c == '@') {
        end = i;
        break;
      }
    }
    return line.substring(from, end);
  }

  /** The index of the first non-space after {@code space}, or -1 when there is none (or no space). */
  private static int skipSpaces(String line, int space) {
    if (space < 0) {
      return -1;
    }
    int i = space;
    while (i < line.length() && line.charAt(i) == ' ') {
      i++;
    }
    return i < line.length() ? i : -1;
  }

  /** A handler for a new socket's pipeline that puts a new filter in front of Kitteh's input once it is there. */
  static ChannelHandler installer() {
    return new Installer();
  }

  private static final class Installer extends ChannelInboundHandlerAdapter {
    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      install(ctx, false);
      ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      install(ctx, true);
      ctx.fireChannelRead(msg);
    }

    /** Kitteh adds its handlers when the connect completes: at the latest before the first line is read. */
    private void install(ChannelHandlerContext ctx, boolean reading) {
      ChannelPipeline pipeline = ctx.pipeline();
      if (pipeline.get(KITTEH_INPUT) != null) {
        pipeline.addBefore(KITTEH_INPUT, NAME, new Filter(new ChannelLineFilter()));
        pipeline.remove(this);
      } else if (reading && !warned) {
        warned = true;
        log.warn("IRC: Kitteh's input handler '{}' not found; puppets' sockets are not filtered", KITTEH_INPUT);
      }
    }
  }

  private static final class Filter extends ChannelInboundHandlerAdapter {
    private final ChannelLineFilter lines;

    Filter(ChannelLineFilter lines) {
      this.lines = lines;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (!(msg instanceof String line) || lines.keep(line)) {
        ctx.fireChannelRead(msg);
      }
    }
  }
}
