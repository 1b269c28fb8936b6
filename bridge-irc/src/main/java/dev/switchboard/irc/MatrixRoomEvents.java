package dev.switchboard.irc;

import dev.switchboard.core.connector.ConnectorMeters;
import dev.switchboard.core.connector.HubSettings;
import dev.switchboard.core.connector.Link;
import dev.switchboard.core.event.MatrixEdit;
import dev.switchboard.core.event.MatrixEvent;
import dev.switchboard.core.event.MatrixMessage;
import dev.switchboard.core.event.MatrixReaction;
import dev.switchboard.core.event.MatrixRedaction;
import dev.switchboard.core.event.MembershipChange;
import dev.switchboard.core.event.RoomStateChange;
import dev.switchboard.core.id.EventId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.permission.Permissions;
import dev.switchboard.irc.dm.DirectChat;
import dev.switchboard.irc.ghost.GhostIds;
import dev.switchboard.irc.hub.ForeignPuppets;
import dev.switchboard.irc.hub.NickReplies;
import dev.switchboard.irc.portal.ChannelPortals;
import dev.switchboard.irc.portal.ChannelRef;
import dev.switchboard.irc.puppet.PuppetNick;
import dev.switchboard.registration.Namespaces;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the IRC connector does with each kind of Matrix room event the core sorted for it: finds the network and the
 * channel (or private chat) of the link, wakes a dormant portal for a user with a puppet, speaks through the
 * sender's puppet or, for relay users, through the bot, and runs each event once even when the dispatcher runs it
 * again. A refusal of the sender's own ends their event with a notice ({@link UserNotices}).
 */
final class MatrixRoomEvents {
  private static final Logger log = LoggerFactory.getLogger(MatrixRoomEvents.class);
  private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

  /** How one kind of event reaches a channel. */
  @FunctionalInterface
  private interface ChannelHandling {
    CompletableFuture<Void> handle(MatrixEvent event, IrcNetwork network, ChannelRef channel);
  }

  private final Map<String, IrcNetwork> networks;
  private final ChannelPortals portals;
  private final Namespaces namespaces;
  private final GhostIds ghostIds;
  private final ForeignPuppets foreign;
  private final NickReplies nickReplies;
  private final HubSettings hub;
  private final UserId botUser;
  private final ConnectorMeters meters;
  private final UserNotices notices;
  private final Function<UserId, Permissions.Bridging> bridgingOf;
  private final Executor blocking;
  private final Duration botJoinWait;
  private final Map<EventId, CompletableFuture<Void>> recentEvents = new LinkedHashMap<>(256, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<EventId, CompletableFuture<Void>> eldest) {
      return size() > 10_000;
    }
  };

  /** @param botJoinWait how long the first event of a woken portal waits for the bot to be in the channel */
  MatrixRoomEvents(Map<String, IrcNetwork> networks, ChannelPortals portals, Namespaces namespaces, GhostIds ghostIds,
      ForeignPuppets foreign, NickReplies nickReplies, HubSettings hub, UserId botUser, ConnectorMeters meters,
      UserNotices notices, Function<UserId, Permissions.Bridging> bridgingOf, Executor blocking,
      Duration botJoinWait) {
    this.networks = networks;
    this.portals = portals;
    this.namespaces = namespaces;
    this.ghostIds = ghostIds;
    this.foreign = foreign;
    this.nickReplies = nickReplies;
    this.hub = hub;
    this.botUser = botUser;
    this.meters = meters;
    this.notices = notices;
    this.bridgingOf = bridgingOf;
    this.blocking = blocking;
    this.botJoinWait = botJoinWait;
  }

  CompletableFuture<Void> onMessage(MatrixMessage message, Link link) {
    return linked(message.event(), link, this::content);
  }

  /** An edit goes as a message does: {@link dev.switchboard.irc.message.MatrixMessages} marks it as a correction. */
  CompletableFuture<Void> onEdit(MatrixEdit edit, Link link) {
    return linked(edit.event(), link, this::content);
  }

  CompletableFuture<Void> onReaction(MatrixReaction reaction, Link link) {
    return linked(reaction.event(), link, (event, network, channel) -> asPuppet(event, network, channel,
        () -> once(event.eventId(), () -> network.annotations().reaction(event, channel))));
  }

  CompletableFuture<Void> onRedaction(MatrixRedaction redaction, Link link) {
    return linked(redaction.event(), link, (event, network, channel) -> asPuppet(event, network, channel,
        () -> once(event.eventId(), () -> network.annotations().redaction(event, channel))));
  }

  CompletableFuture<Void> onRoomState(RoomStateChange change, Link link) {
    return linked(change.event(), link, this::roomState);
  }

  CompletableFuture<Void> onMembership(MembershipChange change, Optional<Link> link) {
    return link.isEmpty() ? notices.guard(change.event(), () -> outsideLinks(change))
        : linked(change.event(), link.get(), (event, network, channel) -> membership(change, network, channel));
  }

  /**
   * An event in a linked room: a private chat's goes to the chat; a channel's is handled by {@code handling}, once
   * a dormant portal is woken for a user with a puppet.
   */
  private CompletableFuture<Void> linked(MatrixEvent event, Link link, ChannelHandling handling) {
    return notices.guard(event, () -> {
      Optional<DirectChat> chat = DirectChat.ofRemoteId(link.remoteId());
      if (chat.isPresent()) {
        IrcNetwork network = networks.get(chat.get().network());
        return network == null ? DONE : once(event.eventId(), () -> network.privateChats().fromMatrix(event, chat.get())
            .thenRun(() -> countSent(event)));
      }
      Optional<ChannelRef> ref = ChannelRef.ofRemoteId(link.remoteId());
      IrcNetwork network = ref.map(r -> networks.get(r.network())).orElse(null);
      if (network == null) {
        return DONE;
      }
      ChannelRef channel = ref.get();
      if (portals.isDormant(channel) && bridgingOf.apply(event.sender()) == Permissions.Bridging.PUPPET) {
        // Someone at level user is in the room an alias query made: the bot's JOIN is handed over now (the kv row
        // goes in the background). This event (the user's join, so their puppet's JOIN) waits until the bot is in:
        // the bot's JOIN may wait behind its flood queue, and a puppet in the channel before the bot lets IRC users
        // talk to it while nothing relays their lines, so what they say in that window never reaches the room.
        portals.activate(channel);
        return botIn(network, channel).thenComposeAsync(v -> handling.handle(event, network, channel), blocking);
      }
      return handling.handle(event, network, channel);
    });
  }

  /**
   * Completes once the network's bot is in {@code channel}, or after {@code botJoinWait} (a channel that neither
   * lets the bot in nor says why must not hold the room's events for ever).
   */
  private CompletableFuture<Void> botIn(IrcNetwork network, ChannelRef channel) {
    return network.bot().whenIn(channel.channel())
        .orTimeout(botJoinWait.toMillis(), TimeUnit.MILLISECONDS)
        .exceptionally(e -> {
          log.info("IRC {}: the bot is not in {} after {} s; the room's events go on without waiting for it",
              channel.network(), channel.channel().value(), botJoinWait.toSeconds());
          return null;
        });
  }

  /** A message or an edit: through the sender's puppet, with the nick replies and hub puppets it needs. */
  private CompletableFuture<Void> content(MatrixEvent event, IrcNetwork network, ChannelRef channel) {
    return asPuppet(event, network, channel, () -> !"m.room.message".equals(event.type()) ? DONE
        : once(event.eventId(), () -> foreign.prepare(event, network.puppets())
            .thenCompose(v -> network.messages().relay(event, channel))
            .thenRun(() -> network.puppets().existing(event.sender()).ifPresent(c ->
                nickReplies.sent(channel, c.nick(), event.eventId())))
            .thenRun(() -> countSent(event))));
  }

  /**
   * Runs {@code puppet} for a sender whose events go through their own connection; a relay user's event is said by
   * the bot, and a none user's (core keeps those from us, a replay might not) is dropped.
   */
  private CompletableFuture<Void> asPuppet(MatrixEvent event, IrcNetwork network, ChannelRef channel,
      Supplier<CompletableFuture<Void>> puppet) {
    Permissions.Bridging bridging = bridgingOf.apply(event.sender());
    if (bridging == Permissions.Bridging.PUPPET) {
      return puppet.get();
    }
    if (bridging == Permissions.Bridging.RELAY && portals.isDormant(channel) && "m.room.message".equals(event.type())) {
      return notices.refused(event, "nobody at permission level user has joined this room yet, so the bridge is "
          + "not in " + channel.channel() + " on IRC");
    }
    return bridging == Permissions.Bridging.RELAY
        ? once(event.eventId(), () -> network.relayUsers().handle(event, channel).thenRun(() -> countSent(event)))
        : DONE;
  }

  /** A topic: set by the sender's puppet, so IRC sees who set it (the server refuses it without ops on +t). */
  private CompletableFuture<Void> roomState(MatrixEvent event, IrcNetwork network, ChannelRef channel) {
    boolean topic = "m.room.topic".equals(event.type()) && event.stateKey().equals(Optional.of(""));
    if (topic && event.sender().equals(botUser)) {
      // A topic set on another network of a hub room (core routes only those of the bot's topics here): set by
      // our bot, which needs ops where the channel is +t.
      if (hub.topics()) {
        network.bot().setTopic(channel.channel(), event.content().path("topic").asText(""));
      }
      return DONE;
    }
    return asPuppet(event, network, channel, () -> {
      if (topic) {
        network.puppets().of(event.sender()).setTopic(channel.channel(), event.content().path("topic").asText(""));
      }
      return DONE;
    });
  }

  /** Membership aimed at one of our ghosts in a room without links: an invite to a direct chat. */
  private CompletableFuture<Void> outsideLinks(MembershipChange change) {
    Optional<GhostIds.RemoteUser> remote = ghostIds.remoteUser(change.subject())
        .filter(u -> PuppetNick.isValid(u.nick()));
    IrcNetwork network = remote.map(r -> networks.get(r.network())).orElse(null);
    return network == null ? DONE : network.privateChats().invited(change.event(), change.subject(),
        remote.get().nick());
  }

  /** {@code switchboard.irc.messages{direction="to_remote"}}: a Matrix message (not a DM invite or state) reached IRC. */
  private void countSent(MatrixEvent event) {
    if ("m.room.message".equals(event.type())) {
      meters.message(ConnectorMeters.Direction.TO_REMOTE);
    }
  }

  /** A Matrix user joined (their puppet joins the channel) or left, was kicked or banned (it parts). */
  private CompletableFuture<Void> membership(MembershipChange change, IrcNetwork network, ChannelRef channel) {
    MatrixEvent event = change.event();
    UserId subject = change.subject();
    String membership = change.membership();
    if (namespaces.claimsUser(subject.value())) {
      return ghostRemoved(change, network, channel);
    }
    Permissions.Bridging bridging = bridgingOf.apply(subject);
    if ("join".equals(membership) && !change.byOther() && bridging != Permissions.Bridging.PUPPET) {
      // No connection of their own: a relay user's name is kept for the bot's lines, a none user changes nothing.
      if (bridging == Permissions.Bridging.RELAY) {
        network.relayUsers().remember(event.roomId(), subject,
            Optional.ofNullable(event.content().path("displayname").textValue()));
      }
    } else if ("join".equals(membership) && !change.byOther()) {
      network.puppets().displayName(event.sender(), foreign.nickSource(event.sender(),
          Optional.ofNullable(event.content().path("displayname").textValue())));
      if (foreign.joinsWithRoom(event.sender())) {
        network.puppets().join(event.sender(), channel.channel());
      }
    } else if ("leave".equals(membership) || "ban".equals(membership)) {
      // No Matrix ids on IRC: the moderator's id would mean nothing there and leak an address.
      String reason = change.byOther() ? "Removed from the Matrix room" : "Left the Matrix room";
      network.puppets().existing(subject).ifPresent(c -> c.part(channel.channel(), reason));
    }
    return DONE;
  }

  /** A room moderator kicked, banned or unbanned one of our IRC ghosts: the same on IRC, through their puppet. */
  private CompletableFuture<Void> ghostRemoved(MembershipChange change, IrcNetwork network, ChannelRef channel) {
    MatrixEvent event = change.event();
    String membership = change.membership();
    Optional<GhostIds.RemoteUser> ghost = ghostIds.remoteUser(change.subject())
        .filter(u -> u.network().equals(channel.network()));
    if (ghost.isEmpty() || !change.byOther()) {
      return DONE;
    }
    String nick = ghost.get().nick();
    if ("leave".equals(membership) && change.previous().equals(Optional.of("ban"))) {
      if (event.sender().equals(botUser)) {
        return DONE; // lifted from IRC: IRC has it already
      }
      String mask = network.relay().banMask(event.roomId(), nick).orElse(nick + "!*@*");
      network.relay().forgetBan(event.roomId(), nick);
      return network.moderation().unbanned(event.sender(), event.roomId(), channel, nick, mask, event.eventId());
    }
    if ("ban".equals(membership) || "leave".equals(membership)) {
      return network.moderation().removed(event.sender(), event.roomId(), channel, nick, "ban".equals(membership),
          event.content().path("reason").asText(""), event.eventId());
    }
    return DONE;
  }

  /**
   * The dispatcher runs an event again after a timeout or a crash; while a first attempt is still held for a
   * connecting puppet, a repeat must wait for it rather than queue the message a second time.
   */
  private CompletableFuture<Void> once(EventId id, Supplier<CompletableFuture<Void>> send) {
    CompletableFuture<Void> existing;
    CompletableFuture<Void> mine = new CompletableFuture<>();
    synchronized (recentEvents) {
      existing = recentEvents.putIfAbsent(id, mine);
    }
    if (existing != null) {
      return existing;
    }
    CompletableFuture<Void> sent;
    try {
      sent = send.get();
    } catch (RuntimeException e) {
      sent = CompletableFuture.failedFuture(e);
    }
    sent.whenComplete((ok, err) -> {
      if (err != null) {
        synchronized (recentEvents) {
          recentEvents.remove(id, mine);
        }
        mine.completeExceptionally(err);
      } else {
        mine.complete(null);
      }
    });
    return mine;
  }
}
