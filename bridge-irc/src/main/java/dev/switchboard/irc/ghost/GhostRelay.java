package dev.switchboard.irc.ghost;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.connector.TopicRelay;
import dev.switchboard.core.homeserver.Intent;
import dev.switchboard.core.homeserver.Intents;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.irc.format.IrcCodes;
import dev.switchboard.irc.format.IrcToMatrix;
import dev.switchboard.irc.membership.QuitDebounce;
import dev.switchboard.irc.membership.RoomModes;
import dev.switchboard.irc.puppet.PuppetNick;
import dev.switchboard.irc.format.MatrixToIrc;
import dev.switchboard.irc.message.ChannelMessageMap;
import dev.switchboard.irc.network.IrcEvent;
import dev.switchboard.irc.portal.ChannelName;
import dev.switchboard.irc.portal.ChannelPortals;
import dev.switchboard.irc.portal.ChannelRef;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import dev.switchboard.core.ordering.KeyedSerialExecutor;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * IRC → Matrix for one network: what the bot sees in its channels becomes ghost activity in the portal rooms.
 * Lines from our own puppets and the bot are not relayed (they came from Matrix). Per room, calls are chained so
 * Matrix shows them in IRC order even when a ghost must first be registered or joined.
 */
public final class GhostRelay {
  private static final Logger log = LoggerFactory.getLogger(GhostRelay.class);

  private final String network;
  private final Intents intents;
  private final GhostIds ghostIds;
  private final ChannelPortals portals;
  private final Predicate<String> ourNick;
  private final Function<String, Optional<UserId>> matrixUserOf;
  private final ChannelMessageMap messageMap;
  private final QuitDebounce quits;
  private final long epoch;
  private final RoomModes modes;
  private final java.util.concurrent.atomic.AtomicLong notices = new java.util.concurrent.atomic.AtomicLong();
  /** Content key carrying the IRC sender's services account on bridged messages. */
  public static final String ACCOUNT_KEY = "dev.switchboard.irc.account";
  private final Set<String> banned = ConcurrentHashMap.newKeySet();
  /** Nicks a netsplit batch announced, whose QUIT follows (only touched on the serial executor). */
  private final Set<String> splitQuits = new java.util.HashSet<>();
  /** The mask that banned a ghost (room + " " + nick key), as the bot saw it, for unbans both ways. */
  private final Map<String, String> banMasks = new ConcurrentHashMap<>();
  private final Map<RoomId, Set<String>> ghostsIn = new ConcurrentHashMap<>();
  private final Set<UserId> named = ConcurrentHashMap.newKeySet();
  /** Each room's order: what is relayed to a room reaches it in the order IRC said it. */
  private final KeyedSerialExecutor<RoomId> rooms;
  private final Map<String, CompletableFuture<dev.switchboard.core.id.EventId>> inFlight = new ConcurrentHashMap<>();
  private volatile java.util.function.BiFunction<ChannelRef, String, Optional<dev.switchboard.core.id.EventId>>
      replyGuess = (channel, text) -> Optional.empty();

  /**
   * @param ourNick true for nicks of the bot and our puppets on this network
   * @param matrixUserOf the Matrix user whose puppet has a nick, for mentions
   * @param epoch distinguishes this bot connection's message counter from earlier runs' in txn keys
   */
  public GhostRelay(String network, Intents intents, GhostIds ghostIds, ChannelPortals portals,
      Predicate<String> ourNick, Function<String, Optional<UserId>> matrixUserOf, ChannelMessageMap messageMap,
      QuitDebounce quits, long epoch, RoomModes modes) {
    this.rooms = new KeyedSerialExecutor<>(KeyedSerialExecutor.INLINE, "irc " + network + " rooms");
    this.modes = modes;
    this.matrixUserOf = matrixUserOf;
    this.messageMap = messageMap;
    this.quits = quits;
    this.network = network;
    this.intents = intents;
    this.ghostIds = ghostIds;
    this.portals = portals;
    this.ourNick = ourNick;
    this.epoch = epoch;
  }

  /**
   * Where a line without an IRCv3 reply tag may still be a reply: the event a line answers by its text (e.g.
   * {@code nick: text} addressed to a puppet, see {@link dev.switchboard.irc.hub.NickReplies}).
   */
  public void guessRepliesWith(
      java.util.function.BiFunction<ChannelRef, String, Optional<dev.switchboard.core.id.EventId>> guess) {
    this.replyGuess = guess;
  }

  /** Handles one event from the bot connection; runs on the network's serial executor, never on the event loop. */
  public void handle(IrcEvent event) {
    if (event instanceof IrcEvent.ChannelMessage m) {
      room(m.channel(), m.nick()).ifPresent(room -> message(room, m));
    } else if (event instanceof IrcEvent.Joined j && !j.self()) {
      quits.back(j.nick());
      room(j.channel(), j.nick()).ifPresent(room -> join(room, j.nick()));
    } else if (event instanceof IrcEvent.Present p) {
      // Users already in the channel when the bot joined: their ghosts join the room too, with their modes.
      List<String> theirs = p.nicks().stream().filter(n -> !ourNick.test(n)).toList();
      for (String nick : theirs) {
        quits.back(nick);
        room(p.channel(), nick).ifPresent(room -> join(room, nick));
      }
      channelRoom(p.channel()).ifPresent(room -> {
        Map<UserId, Integer> levels = modes.present(room, theirs, p.prefixModes());
        inOrder(room, () -> modes.applyPowerLevels(room, levels));
      });
    } else if (event instanceof IrcEvent.UserModesChanged m) {
      List<IrcEvent.UserModeChange> theirs = m.changes().stream().filter(c -> !ourNick.test(c.nick())).toList();
      channelRoom(m.channel()).filter(r -> !theirs.isEmpty()).ifPresent(room -> {
        Map<UserId, Integer> levels = modes.changed(room, theirs);
        inOrder(room, () -> modes.applyPowerLevels(room, levels));
      });
    } else if (event instanceof IrcEvent.ChannelAccess a) {
      channelRoom(a.channel()).filter(r -> !portals.isPlumbed(r))
          .ifPresent(room -> inOrder(room, () -> modes.applyAccess(room, a.inviteOnly() || a.keyed())));
    } else if (event instanceof IrcEvent.Banned b) {
      if (ourNick.test(b.by())) {
        return; // set from Matrix: the room has the ban already
      }
      for (String nick : b.nicks()) {
        room(b.channel(), nick).ifPresent(room -> ban(room, nick, b.by(), b.mask()));
      }
    } else if (event instanceof IrcEvent.Unbanned u) {
      if (ourNick.test(u.by())) {
        return; // lifted from Matrix: the room has the unban already
      }
      channelRoom(u.channel()).ifPresent(room -> unbanned(room, u.by(), u.mask()));
    } else if (event instanceof IrcEvent.Left l && !l.self()) {
      if (ourNick.test(l.nick())) {
        l.kickedBy().ifPresent(by -> puppetKicked(l.channel(), l.nick(), by, l.reason()));
        return;
      }
      room(l.channel(), l.nick()).ifPresent(room -> {
        gone(room, l.nick());
        boolean alreadyOut = l.kickedBy().map(ourNick::test).orElse(false)
            || banned.contains(room.value() + " " + PuppetNick.key(l.nick()));
        if (alreadyOut) {
          // A kick from Matrix through a puppet (the room has it already), or a kick after a ban: the ghost is out.
          ghostGone(room, l.nick());
        } else if (l.kickedBy().isPresent()) {
          kick(room, l.nick(), l.kickedBy().get(), l.reason());
        } else {
          leave(room, l.nick());
        }
      });
    } else if (event instanceof IrcEvent.SplitBatch b) {
      // One line for the whole netsplit or netjoin instead of one per user; the QUITs/JOINs follow as events.
      if (b.netjoin()) {
        log.info("IRC {}: netjoin {}: {} user(s) back", network, String.join(" ", b.servers()), b.nicks().size());
      } else {
        b.nicks().forEach(n -> splitQuits.add(PuppetNick.key(n)));
        log.info("IRC {}: netsplit {}: {} user(s) quit; holding their ghosts back", network,
            String.join(" ", b.servers()), b.nicks().size());
      }
    } else if (event instanceof IrcEvent.Quit q) {
      List<RoomId> rooms = q.channels().stream().flatMap(c -> room(c, q.nick()).stream()).toList();
      boolean inBatch = splitQuits.remove(PuppetNick.key(q.nick()));
      Runnable leave = () -> rooms.forEach(room -> {
        gone(room, q.nick());
        leave(room, q.nick());
      });
      if (!rooms.isEmpty() && inBatch) {
        quits.splitQuit(q.nick(), leave);
      } else if (!rooms.isEmpty()) {
        boolean held = quits.quit(q.nick(), q.reason(), leave);
        if (held) {
          log.info("IRC {}: {} quit ({}); holding their ghost back as a netsplit", network, q.nick(), q.reason());
        }
      }
    } else if (event instanceof IrcEvent.NickChanged n) {
      // Ghost ids come from nicks, so a new nick is a new ghost: it joins, the old one leaves (see docs/irc.md).
      for (String channel : n.channels()) {
        if (ourNick.test(n.oldNick())) {
          continue;
        }
        room(channel, n.newNick()).ifPresent(room -> {
          join(room, n.newNick());
          Map<UserId, Integer> levels = modes.renamed(room, n.oldNick(), n.newNick());
          inOrder(room, () -> modes.applyPowerLevels(room, levels));
          leave(room, n.oldNick());
        });
      }
    } else if (event instanceof IrcEvent.Topic t) {
      if (t.setter().map(ourNick::test).orElse(false)) {
        return; // set from Matrix through a puppet: the room has it already
      }
      ChannelName.parse(t.channel()).map(c -> new ChannelRef(network, c)).ifPresent(ref -> portals.roomOf(ref)
          .ifPresent(room -> topic(room, ref, IrcCodes.parse(t.topic()).plain())));
    } else if (event instanceof IrcEvent.Registered r) {
      log.info("IRC {}: bot registered as {}", network, r.nick());
    }
  }

  private void join(RoomId room, String nick) {
    Intent ghost = named(nick);
    banned.remove(room.value() + " " + PuppetNick.key(nick));
    ghostsIn.computeIfAbsent(room, r -> ConcurrentHashMap.newKeySet()).add(PuppetNick.key(nick));
    inOrder(room, () -> ghost.ensureJoined(room));
  }

  private void gone(RoomId room, String nick) {
    Map<UserId, Integer> levels = modes.gone(room, nick);
    inOrder(room, () -> modes.applyPowerLevels(room, levels));
  }

  /**
   * {@code -b mask} on IRC: the ghosts that mask banned (as the bot saw it) are unbanned in the room. A plain
   * {@code nick!*@*} also names its ghost when the bot did not see the ban (set before it joined, or before a
   * restart); unbanning a ghost that is not banned is refused by the homeserver and changes nothing.
   */
  private void unbanned(RoomId room, String by, String mask) {
    String prefix = room.value() + " ";
    Set<String> keys = new java.util.HashSet<>();
    banMasks.forEach((key, m) -> {
      if (key.startsWith(prefix) && m.equalsIgnoreCase(mask)) {
        keys.add(key);
      }
    });
    dev.switchboard.irc.network.BanMask.plainNick(mask).filter(PuppetNick::isValid)
        .filter(nick -> !ourNick.test(nick)).ifPresent(nick -> keys.add(prefix + PuppetNick.key(nick)));
    for (String key : keys) {
      String nick = key.substring(prefix.length());
      banMasks.remove(key);
      banned.remove(key);
      UserId ghost = ghostIds.ghost(network, nick);
      inOrder(room, () -> intents.bot().unban(room, ghost, "Unbanned on IRC by " + by + " (" + mask + ")")
          .exceptionally(e -> {
            log.debug("IRC {}: unban of {} in {} changed nothing: {}", network, ghost, room, e.toString());
            return null;
          }));
    }
  }

  /** Forgets that {@code nick}'s ghost is banned in {@code room} (a Matrix moderator lifted the ban). */
  public void forgetBan(RoomId room, String nick) {
    banMasks.remove(room.value() + " " + PuppetNick.key(nick));
    banned.remove(room.value() + " " + PuppetNick.key(nick));
  }

  /** The mask that banned {@code nick}'s ghost in {@code room}, when the bot saw the ban. */
  public Optional<String> banMask(RoomId room, String nick) {
    return Optional.ofNullable(banMasks.get(room.value() + " " + PuppetNick.key(nick)));
  }

  private void ban(RoomId room, String nick, String by, String mask) {
    UserId ghost = ghostIds.ghost(network, nick);
    banned.add(room.value() + " " + PuppetNick.key(nick));
    banMasks.put(room.value() + " " + PuppetNick.key(nick), mask);
    ghostGone(room, nick);
    gone(room, nick);
    inOrder(room, () -> intents.bot().ban(room, ghost, "Banned on IRC by " + by + " (" + mask + ")"));
  }

  /** Tells a Matrix user, in the room, that their puppet was kicked and how it comes back. */
  private void puppetKicked(String channel, String nick, String by, String reason) {
    Optional<UserId> user = matrixUserOf.apply(nick);
    Optional<RoomId> room = channelRoom(channel);
    if (user.isEmpty() || room.isEmpty()) {
      return;
    }
    String text = user.get().value() + ": your IRC connection (" + nick + ") was kicked from " + channel + " by "
        + by + (reason == null || reason.isBlank() ? "" : " (" + IrcCodes.parse(reason).plain() + ")")
        + ". It joins again when you next send a message here.";
    ObjectNode content = JsonNodeFactory.instance.objectNode().put("msgtype", "m.notice").put("body", text);
    content.putObject("m.mentions").putArray("user_ids").add(user.get().value());
    String txnKey = "irc/" + network + "/puppet-kicked/" + epoch + "/" + notices.incrementAndGet();
    inOrder(room.get(), () -> intents.bot().sendMessage(room.get(), content, txnKey));
  }

  /** The IRC nicks (case-folded) whose ghosts we joined to {@code room} and that have not left since. */
  public Set<String> ghostsIn(RoomId room) {
    return Set.copyOf(ghostsIn.getOrDefault(room, Set.of()));
  }

  /** Forgets a room that is no longer linked. */
  public void forget(RoomId room) {
    ghostsIn.remove(room);
    modes.forget(room);
  }

  /** Runs {@code call} in the room's lane, after everything already relayed to it. */
  public void inRoomOrder(RoomId room, Supplier<CompletableFuture<?>> call) {
    inOrder(room, call);
  }

  private Optional<RoomId> channelRoom(String channel) {
    return ChannelName.parse(channel).flatMap(c -> portals.roomOf(new ChannelRef(network, c)));
  }

  private void kick(RoomId room, String nick, String by, String reason) {
    UserId ghost = ghostIds.ghost(network, nick);
    String why = "Kicked on IRC by " + by + (reason == null || reason.isBlank() ? "" : ": " + reason);
    ghostGone(room, nick);
    inOrder(room, () -> intents.bot().kick(room, ghost, why));
  }

  /** Sets the room topic from IRC unless it already is that, so a rejoin does not repeat it. */
  private void topic(RoomId room, ChannelRef channel, String topic) {
    Intent bot = intents.bot();
    inOrder(room, () -> bot.getState(room, "m.room.topic", "")
        .handle((current, err) -> err == null && current != null ? current.path("topic").asText("") : null)
        .thenCompose(current -> {
          if (topic.equals(current) || (current == null && topic.isEmpty())) {
            return CompletableFuture.completedFuture(null);
          }
          // Marked with its link, so a hub room's other links get it too (core.connector.TopicRelay).
          ObjectNode content = TopicRelay.mark(JsonNodeFactory.instance.objectNode().put("topic", topic),
              ChannelPortals.PROTOCOL, channel.remoteId());
          return bot.sendState(room, "m.room.topic", "", content);
        }));
  }

  /** The portal room for a channel, unless the nick is one of ours or the channel has no portal. */
  private Optional<RoomId> room(String channel, String nick) {
    if (ourNick.test(nick)) {
      return Optional.empty();
    }
    return ChannelName.parse(channel).flatMap(c -> portals.roomOf(new ChannelRef(network, c)));
  }

  private void message(RoomId room, IrcEvent.ChannelMessage m) {
    Intent ghost = named(m.nick());
    // Sending joins the ghost if the NAMES list has not yet: track it, so an unlink makes it leave too.
    ghostsIn.computeIfAbsent(room, r -> ConcurrentHashMap.newKeySet()).add(PuppetNick.key(m.nick()));
    IrcToMatrix.Text text = IrcToMatrix.convert(m.text(), matrixUserOf);
    ObjectNode content = JsonNodeFactory.instance.objectNode();
    content.put("msgtype", m.kind().msgtype());
    content.put("body", text.body());
    text.html().ifPresent(html -> content.put("format", MatrixToIrc.HTML_FORMAT).put("formatted_body", html));
    // Who the sender is logged in as with services (IRCv3 account-tag / extended-join / account-notify).
    m.account().ifPresent(account -> content.put(ACCOUNT_KEY, account));
    if (!text.mentions().isEmpty()) {
      var ids = content.putObject("m.mentions").putArray("user_ids");
      text.mentions().forEach(u -> ids.add(u.value()));
    }
    Optional<ChannelName> channel = ChannelName.parse(m.channel());
    String channelKey = channel.map(ChannelName::key).orElse(m.channel());
    String ircId = m.msgId().map(id -> "msgid/" + id).orElse("seq/" + epoch + "/" + m.seq());
    String txnKey = "irc/" + network + "/" + channelKey + "/"
        + m.msgId().map(id -> "msgid/" + id).orElse(epoch + "/" + m.seq());
    Optional<Long> ts = m.serverTime().map(java.time.Instant::toEpochMilli);
    Optional<ChannelRef> ref = channel.map(c -> new ChannelRef(network, c));
    // An IRCv3 reply to a message we know becomes a Matrix reply (looked up in the lane, so order is kept).
    Supplier<CompletableFuture<ObjectNode>> withReply = () -> m.replyTo().isEmpty() || ref.isEmpty()
        ? CompletableFuture.completedFuture(guessedReply(content, channel, m.text()))
        : eventOfMsgId(ref.get(), m.replyTo().get()).handle((original, err) -> {
          if (err == null && original.isPresent()) {
            content.putObject("m.relates_to").putObject("m.in_reply_to").put("event_id", original.get().value());
          }
          return content;
        });
    inQueueOrder(room, () -> withReply.get().thenApply(c -> {
      // A line: while the room is behind the homeserver, the queue may merge it with the nick's next lines into one
      // event (IRC has no edits or retractions of a line; a reply to any of them answers the merged event). Not in a
      // hub room, whose events the other links relay line by line.
      CompletableFuture<dev.switchboard.core.id.EventId> sent = portals.isHub(room)
          ? ghost.sendEvent(room, "m.room.message", c, txnKey, ts) : ghost.sendLine(room, c, txnKey, ts);
      // Until its row is written, a reply to this line finds its event here (the lane no longer waits for it).
      m.msgId().filter(id -> ref.isPresent()).ifPresent(id -> inFlight.put(inFlightKey(ref.get(), id), sent));
      return sent.thenCompose(event -> ref.map(r -> messageMap.recordIrc(r, m.nick(), m.msgId(), ircId, room, event)
              .exceptionally(e -> {
                log.warn("IRC {}: could not record {} in the message map: {}", network, event, e.toString());
                return null;
              })).orElse(CompletableFuture.completedFuture(null)))
          .whenComplete((v, e) -> m.msgId().filter(id -> ref.isPresent())
              .ifPresent(id -> inFlight.remove(inFlightKey(ref.get(), id), sent)));
    }));
  }

  /** The event an IRC msgid became: one still being sent or recorded, else the message map's. */
  private CompletableFuture<Optional<dev.switchboard.core.id.EventId>> eventOfMsgId(ChannelRef channel, String msgId) {
    CompletableFuture<dev.switchboard.core.id.EventId> sending = inFlight.get(inFlightKey(channel, msgId));
    if (sending != null) {
      return sending.thenApply(Optional::of);
    }
    return messageMap.eventOf(channel, msgId);
  }

  private static String inFlightKey(ChannelRef channel, String msgId) {
    return channel.remoteId() + " " + msgId;
  }

  private ObjectNode guessedReply(ObjectNode content, Optional<ChannelName> channel, String ircText) {
    channel.flatMap(c -> replyGuess.apply(new ChannelRef(network, c), IrcCodes.parse(ircText).plain()))
        .ifPresent(original -> content.putObject("m.relates_to").putObject("m.in_reply_to")
            .put("event_id", original.value()));
    return content;
  }

  /** The ghost of {@code nick} is no longer in {@code room} (a room we forgot has no set: nothing to do). */
  private void ghostGone(RoomId room, String nick) {
    Set<String> in = ghostsIn.get(room);
    if (in != null) {
      in.remove(PuppetNick.key(nick));
    }
  }

  private void leave(RoomId room, String nick) {
    ghostGone(room, nick);
    Intent ghost = intents.ghost(ghostIds.ghost(network, nick));
    inOrder(room, () -> ghost.leave(room));
  }

  /** The ghost's intent; its display name is set to the nick the first time we meet it. */
  private Intent named(String nick) {
    UserId id = ghostIds.ghost(network, nick);
    Intent ghost = intents.ghost(id);
    if (named.add(id)) {
      // Chained in the room lane by the caller's first call; registering first makes the profile call valid.
      ghost.ensureRegistered().thenCompose(v -> ghost.setDisplayName(nick)).exceptionally(e -> {
        named.remove(id);
        log.warn("IRC {}: could not set the display name of {}: {}", network, id, e.toString());
        return null;
      });
    }
    return ghost;
  }

  /**
   * Runs {@code call} after everything chained to the room before it has been delivered: for calls that go to the
   * homeserver directly (joins, leaves, kicks, state read-modify-writes), which must not overtake queued messages.
   */
  private void inOrder(RoomId room, Supplier<CompletableFuture<?>> call) {
    rooms.submit(room, () -> call.get().thenApply(v -> (Void) null)).whenComplete((v, e) -> logFailure(room, e));
  }

  /**
   * Runs {@code enqueue} once everything chained before it has been handed over; it hands its request to core's
   * outbound queue (whose per-room lane sends in that order, one at a time, with txn ids derived from the IRC line)
   * and answers the delivery. So a burst of lines is queued at once instead of one homeserver round trip, plus a
   * message-map write, per line, while Matrix still shows them in IRC order.
   */
  private void inQueueOrder(RoomId room, Supplier<CompletableFuture<CompletableFuture<?>>> enqueue) {
    rooms.submitPipelined(room, () -> enqueue.get().thenApply(delivery -> delivery.thenApply(v -> (Void) null)))
        .whenComplete((v, e) -> logFailure(room, e));
  }

  private void logFailure(RoomId room, Throwable e) {
    if (e != null) {
      log.warn("IRC {}: relaying to {} failed: {}", network, room,
          (e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e)
              .toString());
    }
  }
}
