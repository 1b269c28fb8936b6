package dev.switchboard.irc.network;

import dev.switchboard.irc.format.MessageKind;
import dev.switchboard.irc.portal.ChannelName;
import dev.switchboard.irc.puppet.PuppetNick;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import net.engio.mbassy.listener.Handler;
import org.kitteh.irc.client.library.element.Actor;
import org.kitteh.irc.client.library.element.Channel;
import org.kitteh.irc.client.library.element.MessageTag;
import org.kitteh.irc.client.library.element.ServerMessage;
import org.kitteh.irc.client.library.element.User;
import org.kitteh.irc.client.library.element.mode.ChannelUserMode;
import org.kitteh.irc.client.library.element.mode.ModeStatus;
import org.kitteh.irc.client.library.event.batch.ClientBatchEndEvent;
import org.kitteh.irc.client.library.event.capabilities.CapabilitiesSupportedListEvent;
import org.kitteh.irc.client.library.event.channel.ChannelCtcpEvent;
import org.kitteh.irc.client.library.event.channel.ChannelJoinEvent;
import org.kitteh.irc.client.library.event.channel.ChannelKickEvent;
import org.kitteh.irc.client.library.event.channel.ChannelMessageEvent;
import org.kitteh.irc.client.library.event.channel.ChannelModeEvent;
import org.kitteh.irc.client.library.event.channel.ChannelNamesUpdatedEvent;
import org.kitteh.irc.client.library.event.channel.ChannelNoticeEvent;
import org.kitteh.irc.client.library.event.channel.ChannelPartEvent;
import org.kitteh.irc.client.library.event.channel.ChannelTopicEvent;
import org.kitteh.irc.client.library.event.client.ClientNegotiationCompleteEvent;
import org.kitteh.irc.client.library.event.client.ClientReceiveNumericEvent;
import org.kitteh.irc.client.library.event.client.NickRejectedEvent;
import org.kitteh.irc.client.library.event.connection.ClientConnectionEndedEvent;
import org.kitteh.irc.client.library.event.user.PrivateCtcpQueryEvent;
import org.kitteh.irc.client.library.event.user.PrivateMessageEvent;
import org.kitteh.irc.client.library.event.user.PrivateNoticeEvent;
import org.kitteh.irc.client.library.event.user.UserAwayMessageEvent;
import org.kitteh.irc.client.library.event.user.UserNickChangeEvent;
import org.kitteh.irc.client.library.event.user.UserQuitEvent;
import org.kitteh.irc.client.library.feature.filter.NumericFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns what Kitteh saw on one connection into {@link IrcEvent}s, and tells the connection what concerns its own
 * state (registered, joined, left, refused, lost). Public because MBassador finds handlers by reflection.
 *
 * <p>Kitteh calls every handler on the connection's input lane, except the connection's end, which Netty reports on
 * its event loop; a handler only updates small state and hands an event to {@code events}, which must not block.
 */
public final class KittehListener {
  /** Logs as the connection it listens for, where operators and tests look for a connection's lines. */
  private static final Logger log = LoggerFactory.getLogger(IrcConnection.class);

  static final String ECHO_MESSAGE = "echo-message";

  private final IrcConnection connection;
  private final Consumer<IrcEvent> events;
  private final EchoTracker echoes;
  private final Executor input;
  private final AtomicLong messageSeq = new AtomicLong();
  /** Each channel's {@code +i} and {@code +k} as last reported, by channel key. */
  private final Map<String, boolean[]> access = new HashMap<>();

  /** @param input the connection's input lane, on which Kitteh calls the other handlers */
  KittehListener(IrcConnection connection, Consumer<IrcEvent> events, EchoTracker echoes, Executor input) {
    this.connection = connection;
    this.events = events;
    this.echoes = echoes;
    this.input = input;
  }

  @Handler
  public void registered(ClientNegotiationCompleteEvent e) {
    connection.registered();
  }

  @Handler
  public void nickRejected(NickRejectedEvent e) {
    String numeric = e.getSource().getMessage().split(" ", 3).length > 1
        ? e.getSource().getMessage().split(" ", 3)[1] : "";
    e.setNewNick(connection.nickRejected(numeric));
    log.debug("IRC {}: nick {} rejected ({}), trying {}", connection.networkId(), e.getAttemptedNick(), numeric, e.getNewNick());
  }

  @Handler
  public void ended(ClientConnectionEndedEvent e) {
    // Our own scheduler reconnects, so that the DNS lookup in connect() never runs on the event loop.
    e.setAttemptReconnect(false);
    // Netty reports the end on the event loop; on the input lane it comes after the lines read before it.
    String reason = e.getCause().map(Throwable::toString).orElse("connection closed");
    input.execute(() -> connection.connectionEnded(reason));
  }

  @Handler
  public void joined(ChannelJoinEvent e) {
    String channel = e.getChannel().getName();
    if (connection.hasNick(e.getActor().getNick())) {
      connection.selfJoined(channel, e.getActor().getNick());
      return;
    }
    events.accept(new IrcEvent.Joined(channel, e.getActor().getNick(), false));
  }

  @Handler
  public void names(ChannelNamesUpdatedEvent e) {
    Channel channel = e.getChannel();
    Map<String, String> modes = new HashMap<>();
    for (String n : channel.getNicknames()) {
      channel.getUserModes(n).filter(m -> !m.isEmpty()).ifPresent(m -> {
        StringBuilder b = new StringBuilder();
        m.forEach(mode -> b.append(mode.getChar()));
        modes.put(n, b.toString());
      });
    }
    events.accept(new IrcEvent.Present(channel.getName(), List.copyOf(channel.getNicknames()), modes));
  }

  /** Our own MODE #channel query's answer (324): the channel's modes when we join. */
  @NumericFilter(324)
  @Handler
  public void channelModes(ClientReceiveNumericEvent e) {
    List<String> params = e.getParameters();
    if (params.size() < 3) {
      return;
    }
    String modes = params.get(2);
    access(params.get(1), modes.indexOf('i') >= 0, modes.indexOf('k') >= 0, true);
  }

  private void access(String channel, boolean inviteOnly, boolean keyed, boolean always) {
    String key = ChannelName.parse(channel).map(ChannelName::key).orElse(channel);
    boolean changed;
    synchronized (access) {
      boolean[] now = access.computeIfAbsent(key, k -> new boolean[2]);
      changed = now[0] != inviteOnly || now[1] != keyed;
      now[0] = inviteOnly;
      now[1] = keyed;
    }
    if (changed || always) {
      events.accept(new IrcEvent.ChannelAccess(channel, inviteOnly, keyed));
    }
  }

  @Handler
  public void modes(ChannelModeEvent e) {
    String channel = e.getChannel().getName();
    Actor by = e.getActor();
    String byName = by instanceof User u ? u.getNick() : by.getName();
    List<IrcEvent.UserModeChange> userModes = new ArrayList<>();
    boolean[] current;
    synchronized (access) {
      boolean[] known = access.get(ChannelName.parse(channel).map(ChannelName::key).orElse(channel));
      current = known == null ? new boolean[2] : known.clone();
    }
    boolean accessTouched = false;
    for (ModeStatus<?> status : e.getStatusList().getAll()) {
      boolean add = status.getAction() == ModeStatus.Action.ADD;
      char mode = status.getMode().getChar();
      if (status.getMode() instanceof ChannelUserMode && status.getParameter().isPresent()) {
        userModes.add(new IrcEvent.UserModeChange(add, mode, status.getParameter().get()));
      } else if (mode == 'i' || mode == 'k') {
        current[mode == 'i' ? 0 : 1] = add;
        accessTouched = true;
        if (mode == 'k') {
          events.accept(new IrcEvent.ChannelKeyChanged(channel, add ? status.getParameter()
              .filter(ChannelKey::isValid) : Optional.empty(), byName));
        }
      } else if (mode == 'b' && add && status.getParameter().isPresent()) {
        String mask = status.getParameter().get();
        List<String> matching = e.getChannel().getUsers().stream()
            .filter(u -> BanMask.matches(mask, u.getNick(), u.getUserString(), u.getHost()))
            .map(User::getNick).toList();
        events.accept(new IrcEvent.Banned(channel, byName, mask, matching));
      } else if (mode == 'b' && status.getParameter().isPresent()) {
        events.accept(new IrcEvent.Unbanned(channel, byName, status.getParameter().get()));
      }
    }
    if (!userModes.isEmpty()) {
      events.accept(new IrcEvent.UserModesChanged(channel, byName, userModes));
    }
    if (accessTouched) {
      access(channel, current[0], current[1], false);
    }
  }

  @Handler
  public void privateMessage(PrivateMessageEvent e) {
    if (ownEcho(e.getActor().getNick(), e.getTarget(), e.getSource())) {
      return;
    }
    privately(e.getActor().getNick(), MessageKind.TEXT, e.getMessage(), e.getSource());
  }

  @Handler
  public void privateNotice(PrivateNoticeEvent e) {
    if (ownEcho(e.getActor().getNick(), e.getTarget(), e.getSource())) {
      return;
    }
    privately(e.getActor().getNick(), MessageKind.NOTICE, e.getMessage(), e.getSource());
  }

  @Handler
  public void privateCtcp(PrivateCtcpQueryEvent e) {
    if (ownEcho(e.getActor().getNick(), e.getTarget(), e.getSource())) {
      return;
    }
    String body = e.getMessage();
    if (body.startsWith("ACTION ")) {
      privately(e.getActor().getNick(), MessageKind.EMOTE, body.substring("ACTION ".length()), e.getSource());
    }
  }

  /** An echo of a private line we sent ({@code echo-message}): confirmed, never relayed as a DM. */
  private boolean ownEcho(String from, String target, ServerMessage source) {
    if (!connection.hasNick(from)) {
      return false;
    }
    echoes.echoed(target, tag(source, "msgid"));
    return true;
  }

  /**
   * The end of an IRCv3 batch. Kitteh holds a batch's lines and replays them as ordinary events right after this, so
   * a {@code netsplit} / {@code netjoin} batch is announced first, with the nicks it holds.
   */
  @Handler
  public void batchEnded(ClientBatchEndEvent e) {
    String type = e.getReferenceTag().getType().toLowerCase(java.util.Locale.ROOT);
    boolean netjoin = type.equals("netjoin");
    if (!netjoin && !type.equals("netsplit")) {
      return;
    }
    String command = netjoin ? "JOIN" : "QUIT";
    List<String> nicks = new ArrayList<>();
    for (var held : e.getReferenceTag().getEvents()) {
      if (held.getCommand().equalsIgnoreCase(command)) {
        Actor actor = held.getActor();
        String name = actor instanceof User u ? u.getNick() : actor.getName();
        int bang = name.indexOf('!');
        nicks.add(bang > 0 ? name.substring(0, bang) : name);
      }
    }
    events.accept(new IrcEvent.SplitBatch(netjoin, e.getReferenceTag().getParameters(), nicks));
  }

  /** Asks for {@code echo-message} when the server offers it (Kitteh does not by default). */
  @Handler
  public void capabilitiesOffered(CapabilitiesSupportedListEvent e) {
    if (e.isNegotiating() && e.getSupportedCapabilities().stream()
        .anyMatch(c -> c.getName().equalsIgnoreCase(ECHO_MESSAGE))) {
      e.addRequest(ECHO_MESSAGE);
      e.setEndingNegotiation(false);
    }
  }

  /** 404: a line to a channel was refused (moderated, banned, not joined); it will not be echoed. */
  @NumericFilter(404)
  @Handler
  public void cannotSend(ClientReceiveNumericEvent e) {
    List<String> params = e.getParameters();
    if (params.size() < 2) {
      return;
    }
    String why = params.size() >= 3 ? params.get(2) : "404";
    if (connection.echoMessage()) {
      echoes.refused(params.get(1), why);
    } else {
      events.accept(new IrcEvent.LineRefused(params.get(1), why.replaceAll("\\p{Cntrl}", "")));
    }
  }

  private void privately(String from, MessageKind kind, String text, ServerMessage source) {
    if (!PuppetNick.isValid(from)) {
      return; // a server or service notice before registration, not a person
    }
    events.accept(new IrcEvent.PrivateMessage(from, kind, text, tag(source, "msgid"), time(source)));
  }

  /**
   * 475 (bad channel key), 473 (invite only), 474 (banned), 471 (full), 477 (registered nicks only, on most
   * networks), 405 (too many channels): a JOIN the server refused. Lines waiting for it end as refused.
   */
  @NumericFilter(405)
  @NumericFilter(471)
  @NumericFilter(473)
  @NumericFilter(474)
  @NumericFilter(475)
  @NumericFilter(477)
  @Handler
  public void joinRefused(ClientReceiveNumericEvent e) {
    List<String> params = e.getParameters();
    if (params.size() < 2) {
      return;
    }
    String channel = params.get(1);
    String why = switch (e.getNumeric()) {
      case 471 -> "the channel is full (+l)";
      case 473 -> "the channel is invite-only (+i)";
      case 474 -> "banned from the channel (+b)";
      case 475 -> "wrong or missing channel key (+k)";
      case 477 -> "the channel needs a registered nick (+r)";
      default -> "joined too many channels";
    };
    log.warn("IRC {} ({}): cannot join {}: {} ({})", connection.networkId(), connection.nick(),
        channel.replaceAll("\\p{Cntrl}", "?"), why, e.getNumeric());
    connection.joinRefused(channel, e.getNumeric(), why);
    events.accept(new IrcEvent.JoinRefused(channel, e.getNumeric(), why));
  }

  @Handler
  public void parted(ChannelPartEvent e) {
    left(e.getChannel().getName(), e.getActor().getNick(), Optional.empty(), e.getMessage());
  }

  @Handler
  public void kicked(ChannelKickEvent e) {
    Actor by = e.getActor();
    left(e.getChannel().getName(), e.getTarget().getNick(),
        Optional.of(by instanceof User u ? u.getNick() : by.getName()), e.getMessage());
  }

  private void left(String channel, String who, Optional<String> kickedBy, String reason) {
    boolean self = connection.hasNick(who);
    if (self) {
      connection.selfLeft(channel, kickedBy);
    }
    events.accept(new IrcEvent.Left(channel, who, self, kickedBy, reason));
  }

  @Handler
  public void quit(UserQuitEvent e) {
    User user = e.getActor();
    events.accept(new IrcEvent.Quit(user.getNick(), List.copyOf(user.getChannels()), e.getMessage()));
  }

  /** IRCv3 {@code away-notify}: {@code AWAY :message} (gone) or a bare {@code AWAY} (back) from someone we see. */
  @Handler
  public void away(UserAwayMessageEvent e) {
    events.accept(new IrcEvent.Away(e.getActor().getNick(), e.getAwayMessage()));
  }

  /**
   * A line of the WHO list Kitteh asks for when we join a channel (352, or 354 for its WHOX query {@code %cuhsnfar}:
   * channel, user, host, server, nick, flags, ...): the flags start with {@code G} for someone away and {@code H} for
   * someone here. Read here because Kitteh 9 skips that first letter when it tracks away state from WHO. WHO carries
   * no away message.
   */
  @NumericFilter(352)
  @NumericFilter(354)
  @Handler
  public void whoLine(ClientReceiveNumericEvent e) {
    List<String> params = e.getParameters();
    if (params.size() < 7 || params.get(5).isEmpty() || params.get(6).isEmpty()) {
      return;
    }
    char here = params.get(6).charAt(0);
    if (here == 'G' || here == 'H') {
      events.accept(new IrcEvent.Away(params.get(5), here == 'G' ? Optional.of("") : Optional.empty()));
    }
  }

  @Handler
  public void nickChanged(UserNickChangeEvent e) {
    String now = e.getNewUser().getNick();
    if (connection.hasNick(e.getOldUser().getNick())) {
      connection.nickChangedTo(now);
    }
    events.accept(new IrcEvent.NickChanged(e.getOldUser().getNick(), now, List.copyOf(e.getNewUser().getChannels())));
  }

  @Handler
  public void topic(ChannelTopicEvent e) {
    Optional<String> setter = e.getNewTopic().getSetter().map(a -> a instanceof User u ? u.getNick() : a.getName());
    events.accept(new IrcEvent.Topic(e.getChannel().getName(), e.getNewTopic().getValue().orElse(""), setter,
        e.isNew()));
  }

  @Handler
  public void message(ChannelMessageEvent e) {
    channelMessage(e.getChannel().getName(), e.getActor(), MessageKind.TEXT, e.getMessage(), e.getSource());
  }

  @Handler
  public void notice(ChannelNoticeEvent e) {
    channelMessage(e.getChannel().getName(), e.getActor(), MessageKind.NOTICE, e.getMessage(), e.getSource());
  }

  @Handler
  public void ctcp(ChannelCtcpEvent e) {
    String body = e.getMessage();
    if (body.startsWith("ACTION ")) {
      channelMessage(e.getChannel().getName(), e.getActor(), MessageKind.EMOTE,
          body.substring("ACTION ".length()), e.getSource());
    }
  }

  private void channelMessage(String channel, User actor, MessageKind kind, String text, ServerMessage source) {
    String from = actor.getNick();
    if (connection.hasNick(from)) {
      echoes.echoed(channel, tag(source, "msgid")); // echo-message: our own line, never relayed
      return;
    }
    events.accept(new IrcEvent.ChannelMessage(channel, from, kind, text, messageSeq.incrementAndGet(),
        tag(source, "msgid"), time(source), tag(source, "+draft/reply").or(() -> tag(source, "+reply")),
        account(actor, source)));
  }

private static Optional<String> tag(ServerMessage source, String name) {
  return source.getTag(name).flatMap(MessageTag::getValue);
}

/**
 * The services account of a message's sender: the IRCv3 {@code account} tag ({@code account-tag}), else what Kitteh
 * tracked from {@code extended-join}, {@code account-notify} and WHOX; {@code *} means none.
 */
private static Optional<String> account(User actor, ServerMessage source) {
  return tag(source, "account").or(actor::getAccount)
      .filter(a -> !a.equals("*") && !a.isEmpty() && a.length() <= 64
          && a.chars().noneMatch(Character::isISOControl));
}

private static Optional<Instant> time(ServerMessage source) {
  return source.getTag("time", MessageTag.Time.class).map(MessageTag.Time::getTime);
}
}
