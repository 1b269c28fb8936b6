package dev.switchboard.irc.portal;

import dev.switchboard.core.connector.LinkCapable.LinkException;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.irc.format.IrcCodes;
import dev.switchboard.irc.format.MessageKind;
import dev.switchboard.irc.network.IrcEvent;
import dev.switchboard.irc.puppet.PuppetNick;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The channel-operator confirmation for plumbing (as matrix-appservice-irc does it): before a Matrix room is linked to
 * a channel, the bot asks the channel's operators (modes {@code q}, {@code a}, {@code o}, from its NAMES view) in a
 * NOTICE, and the link is made when one of them answers {@code yes} privately within the timeout. {@code no}, the
 * timeout, or a channel without operators fail the link with a {@link LinkException}. A requester whose own puppet is
 * an operator of the channel is not asked about.
 */
public final class OperatorConsent {
  private static final Logger log = LoggerFactory.getLogger(OperatorConsent.class);

  /** An operator said no. */
  public static final String REFUSED = "M_FORBIDDEN";
  /** Nobody to ask: the channel has no operator besides the bridge's own connections. */
  public static final String NO_OPERATORS = "DEV.SWITCHBOARD.NO_CHANNEL_OPERATORS";
  /** No operator answered in time (the provisioning API's own timeout code: HTTP 504). */
  public static final String TIMED_OUT = "DEV.SWITCHBOARD.TIMEOUT";
  /** Another link request for the channel is still waiting for an answer. */
  public static final String PENDING = "M_ROOM_IN_USE";

  /** Channel user modes that count as operator ("+o or higher"). */
  private static final String OPERATOR_MODES = "qao";
  /** Untrusted parts of the question (user and room ids) are cut to this many characters. */
  private static final int MAX_PART = 120;

  /** Whether linking asks the channel's operators. */
  public enum Mode {
    /** Ask the channel operators (the default). */
    OPS,
    /** Link without asking (the bridge admin's word is enough). */
    NONE
  }

  /** One network's settings: {@code link_confirmation} and {@code link_confirmation_timeout_seconds}. */
  public record Settings(Mode mode, Duration timeout) {
    /**
     * 100 s: an answer must come before the provisioning API gives up on the request ({@code
     * provisioning.link_timeout_seconds}, 120 s by default).
     */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(100);
    public static final Settings DEFAULT = new Settings(Mode.OPS, DEFAULT_TIMEOUT);
  }

  /** What the confirmation needs from one network's bot connection and puppets. */
  public interface BotView {
    boolean isIn(ChannelName channel);

    void join(ChannelName channel);

    /** Asks for the channel's NAMES again; the answer comes back as an {@link IrcEvent.Present}. */
    void refreshNames(ChannelName channel);

    void part(ChannelName channel, String reason);

    /** Channel user modes of {@code nick} as the bot sees them. */
    Optional<String> userModes(ChannelName channel, String nick);

    /** Whether {@code nick} is the bot or one of our puppets. */
    boolean isOurs(String nick);

    /** The nick of {@code user}'s puppet on this network, if it is connected. */
    Optional<String> puppetNickOf(UserId user);

    /** Sends one line, already safe, as a NOTICE to {@code nick}. */
    void tell(String nick, MessageKind kind, String line);
  }

  private final Function<String, Optional<Settings>> settings;
  private final Function<String, Optional<BotView>> bots;
  private final ScheduledExecutorService scheduler;
  /** Waiting requests by network and channel key. */
  private final Map<String, Request> waiting = new HashMap<>();

  public OperatorConsent(Function<String, Optional<Settings>> settings, Function<String, Optional<BotView>> bots,
      ScheduledExecutorService scheduler) {
    this.settings = settings;
    this.bots = bots;
    this.scheduler = scheduler;
  }

  /** One link request waiting for an operator. */
  private final class Request {
    final ChannelRef channel;
    final RoomId room;
    final UserId requester;
    final BotView bot;
    final boolean botWasIn;
    final Duration timeout;
    final CompletableFuture<Void> answer = new CompletableFuture<>();
    Set<String> asked = Set.of();
    ScheduledFuture<?> timer;

    Request(ChannelRef channel, RoomId room, UserId requester, BotView bot, Duration timeout) {
      this.channel = channel;
      this.room = room;
      this.requester = requester;
      this.bot = bot;
      this.botWasIn = bot.isIn(channel.channel());
      this.timeout = timeout;
    }

    String key() {
      return channel.network() + " " + channel.channel().key();
    }
  }

  /**
   * Completes when the link may go ahead: at once when the network does not ask, else when an operator said yes.
   * Cancelling the returned future withdraws the request.
   */
  public CompletableFuture<Void> approve(ChannelRef channel, RoomId room, UserId requester) {
    Settings s = settings.apply(channel.network()).orElse(Settings.DEFAULT);
    if (s.mode() == Mode.NONE) {
      return CompletableFuture.completedFuture(null);
    }
    Optional<BotView> bot = bots.apply(channel.network());
    if (bot.isEmpty()) {
      return CompletableFuture.failedFuture(new LinkException("M_NOT_FOUND", "no IRC network " + channel.network()));
    }
    Request r = new Request(channel, room, requester, bot.get(), s.timeout());
    synchronized (this) {
      if (waiting.containsKey(r.key())) {
        return CompletableFuture.failedFuture(new LinkException(PENDING, "another request to link "
            + channel.remoteId() + " is still waiting for a channel operator's answer"));
      }
      waiting.put(r.key(), r);
    }
    r.answer.whenComplete((v, err) -> finished(r, err));
    r.timer = scheduler.schedule(() -> r.answer.completeExceptionally(new LinkException(TIMED_OUT,
        "no operator of " + channel.remoteId() + " answered within " + r.timeout.toSeconds() + " s")),
        r.timeout.toMillis(), TimeUnit.MILLISECONDS);
    // Fresh NAMES: on joining, or asked again; the operators are read from them when they arrive.
    if (r.botWasIn) {
      r.bot.refreshNames(channel.channel());
    } else {
      r.bot.join(channel.channel());
    }
    log.info("IRC {}: {} asks to link {}; waiting for the channel's member list to ask an operator",
        channel.remoteId(), requester, room);
    return r.answer;
  }

  /** Feeds one event of {@code network}'s bot connection (on the network's serial executor). */
  public void handle(String network, IrcEvent event) {
    if (event instanceof IrcEvent.Present p) {
      ChannelName.parse(p.channel()).ifPresent(c -> present(network, c, p));
    } else if (event instanceof IrcEvent.PrivateMessage m && m.kind() == MessageKind.TEXT) {
      answered(network, m.nick(), m.text());
    }
  }

  private void present(String network, ChannelName channel, IrcEvent.Present p) {
    Request r;
    synchronized (this) {
      r = waiting.get(network + " " + channel.key());
      if (r == null || !r.asked.isEmpty()) {
        return;
      }
    }
    Optional<String> own = r.bot.puppetNickOf(r.requester);
    if (own.isPresent() && isOperator(p.prefixModes().entrySet().stream()
        .filter(e -> PuppetNick.key(e.getKey()).equals(PuppetNick.key(own.get())))
        .map(Map.Entry::getValue).findFirst().orElse(""))) {
      log.info("IRC {}: {} is an operator there themselves; linking without asking", r.channel.remoteId(),
          r.requester);
      r.answer.complete(null);
      return;
    }
    List<String> ops = p.nicks().stream()
        .filter(n -> !r.bot.isOurs(n) && PuppetNick.isValid(n))
        .filter(n -> isOperator(p.prefixModes().getOrDefault(n, "")))
        .toList();
    if (ops.isEmpty()) {
      r.answer.completeExceptionally(new LinkException(NO_OPERATORS, r.channel.remoteId() + " has no channel "
          + "operator to confirm the link (the bridge asks users with +o or higher); give someone ops there first"));
      return;
    }
    synchronized (this) {
      r.asked = ops.stream().map(PuppetNick::key).collect(Collectors.toUnmodifiableSet());
    }
    String question = question(r);
    for (String op : ops) {
      r.bot.tell(op, MessageKind.NOTICE, question);
    }
    log.info("IRC {}: asked {} operator(s) to confirm linking {}", r.channel.remoteId(), ops.size(), r.room);
  }

  private void answered(String network, String nick, String text) {
    Optional<Answer> answer = Answer.parse(IrcCodes.parse(text).plain());
    if (answer.isEmpty()) {
      return;
    }
    List<Request> theirs = new ArrayList<>();
    synchronized (this) {
      for (Request r : waiting.values()) {
        boolean mine = r.channel.network().equals(network) && !r.asked.isEmpty()
            && answer.get().channel().map(c -> c.equals(r.channel.channel().key())).orElse(true)
            // Still an operator now (nicks change; ops may be taken): the bot's current view decides.
            && isOperator(r.bot.userModes(r.channel.channel(), nick).orElse(""));
        if (mine) {
          theirs.add(r);
        }
      }
    }
    if (theirs.isEmpty()) {
      return; // not an operator of a channel with a waiting request: ignore, as for any other private line
    }
    BotView bot = theirs.get(0).bot;
    if (theirs.size() > 1) {
      bot.tell(nick, MessageKind.NOTICE, "Several link requests are waiting for you: answer 'yes <#channel>' or "
          + "'no <#channel>'");
      return;
    }
    Request r = theirs.get(0);
    if (answer.get().yes()) {
      log.info("IRC {}: operator {} agreed to link {}", r.channel.remoteId(), nick, r.room);
      bot.tell(nick, MessageKind.NOTICE, "Thanks: linking " + r.channel.channel().value() + " now.");
      r.answer.complete(null);
    } else {
      log.info("IRC {}: operator {} refused to link {}", r.channel.remoteId(), nick, r.room);
      bot.tell(nick, MessageKind.NOTICE, "OK: " + r.channel.channel().value() + " will not be linked.");
      r.answer.completeExceptionally(new LinkException(REFUSED, "an operator of " + r.channel.remoteId()
          + " (" + nick + ") refused the link"));
    }
  }

  private void finished(Request r, Throwable err) {
    synchronized (this) {
      waiting.remove(r.key(), r);
    }
    if (r.timer != null) {
      r.timer.cancel(false);
    }
    if (err != null) {
      log.info("IRC {}: link of {} not confirmed: {}", r.channel.remoteId(), r.room, err.getMessage());
      if (!r.botWasIn) {
        r.bot.part(r.channel.channel(), "Link request not confirmed");
      }
    }
  }

  /** The question, one safe line: no control characters from the ids, each cut short. */
  static String question(ChannelRef channel, RoomId room, UserId requester, Duration timeout) {
    long seconds = Math.max(1, timeout.toSeconds());
    String within = seconds % 60 == 0 ? seconds / 60 + (seconds == 60 ? " minute" : " minutes")
        : seconds + " seconds";
    return safe(requester.value()) + " wants to bridge " + channel.channel().value() + " to the Matrix room "
        + safe(room.value()) + "; reply 'yes' or 'no' to me (privately) within " + within;
  }

  private static String question(Request r) {
    return question(r.channel, r.room, r.requester, r.timeout);
  }

  /** Untrusted text for the wire: every control character (CR, LF, NUL, IRC formatting) becomes '?', cut short. */
  static String safe(String untrusted) {
    StringBuilder b = new StringBuilder();
    untrusted.codePoints().limit(MAX_PART).forEach(cp -> {
      if (Character.isISOControl(cp) || Character.getType(cp) == Character.FORMAT
          || Character.getType(cp) == Character.LINE_SEPARATOR || Character.getType(cp) == Character.PARAGRAPH_SEPARATOR) {
        b.append('?');
      } else {
        b.appendCodePoint(cp);
      }
    });
    return untrusted.codePointCount(0, untrusted.length()) > MAX_PART ? b + "…" : b.toString();
  }

  static boolean isOperator(String modes) {
    return modes.chars().anyMatch(c -> OPERATOR_MODES.indexOf(c) >= 0);
  }

  /** An operator's private answer: {@code yes} or {@code no}, optionally naming the channel. */
  record Answer(boolean yes, Optional<String> channel) {
    static Optional<Answer> parse(String text) {
      String[] words = text.trim().toLowerCase(Locale.ROOT).split("\\s+");
      if (words.length == 0 || words.length > 2) {
        return Optional.empty();
      }
      String word = words[0].replaceAll("[.!]+$", "");
      Optional<String> channel = words.length == 2 ? ChannelName.parse(words[1]).map(ChannelName::key)
          : Optional.empty();
      if (words.length == 2 && channel.isEmpty()) {
        return Optional.empty();
      }
      return switch (word) {
        case "yes", "y" -> Optional.of(new Answer(true, channel));
        case "no", "n" -> Optional.of(new Answer(false, channel));
        default -> Optional.empty();
      };
    }
  }
}
