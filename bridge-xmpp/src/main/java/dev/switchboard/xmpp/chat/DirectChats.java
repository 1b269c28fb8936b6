package dev.switchboard.xmpp.chat;

import dev.switchboard.xmpp.format.XmppBody;
import dev.switchboard.xmpp.LinkEvents;
import dev.switchboard.core.ordering.KeyedSerialExecutor;
import dev.switchboard.xmpp.message.Edits;
import dev.switchboard.xmpp.message.Receipts;
import dev.switchboard.xmpp.stanza.LogText;
import static dev.switchboard.core.failure.Failures.rootCause;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.connector.ConnectorContext;
import dev.switchboard.core.connector.ConnectorMeters;
import dev.switchboard.core.connector.Link;
import dev.switchboard.core.event.MatrixEdit;
import dev.switchboard.core.event.MatrixEvent;
import dev.switchboard.core.event.MatrixMessage;
import dev.switchboard.core.event.MembershipChange;
import dev.switchboard.core.homeserver.Intent;
import dev.switchboard.core.id.EventId;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.portal.BridgeInfo;
import dev.switchboard.core.store.MessageMap;
import dev.switchboard.core.store.MessageMapStore;
import dev.switchboard.xmpp.XmppBridgeInfo;
import dev.switchboard.xmpp.XmppConfig;
import dev.switchboard.xmpp.address.MatrixUserJids;
import dev.switchboard.xmpp.address.XmppGhostIds;
import dev.switchboard.xmpp.component.ComponentConnection;
import dev.switchboard.xmpp.format.XmppFormatting;
import dev.switchboard.xmpp.media.XmppMediaLinks;
import dev.switchboard.xmpp.stanza.StanzaIds;
import dev.switchboard.xmpp.stanza.XmlText;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.packet.MessageBuilder;
import org.jivesoftware.smack.packet.Presence;
import org.jivesoftware.smack.packet.Stanza;
import org.jivesoftware.smack.packet.StanzaBuilder;
import org.jivesoftware.smack.packet.StanzaError;
import org.jivesoftware.smackx.chatstates.ChatState;
import org.jivesoftware.smackx.chatstates.packet.ChatStateExtension;
import org.jivesoftware.smackx.message_correct.element.MessageCorrectExtension;
import org.jivesoftware.smackx.muc.packet.MUCUser;
import org.jxmpp.jid.BareJid;
import org.jxmpp.jid.FullJid;
import org.jxmpp.jid.Jid;
import org.jxmpp.jid.impl.JidCreate;
import org.jxmpp.stringprep.XmppStringprepException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Direct chats: {@code <message type='chat'>} between an XMPP address and a Matrix user's address on the component
 * ↔ a Matrix DM room between that user and the XMPP address's ghost. One room per pair, created by whichever side
 * speaks first; a Matrix user who left is invited again by the next XMPP message.
 */
public final class DirectChats implements LinkEvents {
  private static final Logger log = LoggerFactory.getLogger(DirectChats.class);
  private static final String PROTOCOL = "xmpp";
  /** Remote ids of direct-chat links start with this; never a valid JID, so MUC code cannot mistake them. */
  public static final String LINK_PREFIX = "chat:";
  private static final int TYPING_TIMEOUT_MS = 30_000;

  private final ConnectorContext context;
  private final ConnectorMeters meters;
  private final ComponentConnection connection;
  private final MatrixUserJids userJids;
  private final XmppGhostIds ghostIds;
  private final MessageMap messageMap;
  private final Executor blocking;
  private final XmppMediaLinks mediaLinks;
  private final dev.switchboard.xmpp.media.MediaFetcher fetcher;
  private final Predicate<BareJid> isBridgedMuc;
  /** Per-pair lanes, so a first message's room creation finishes before the second message is sent. */
  private final KeyedSerialExecutor<String> lanes;

  /** @param isBridgedMuc true for MUCs we bridge: their occupants' private messages are not direct chats */
  public DirectChats(XmppConfig config, ConnectorContext context, ComponentConnection connection,
      Predicate<BareJid> isBridgedMuc, dev.switchboard.xmpp.media.MediaFetcher fetcher, XmppGhostIds ghostIds,
      MessageMap messageMap) {
    this.context = context;
    this.meters = context.meters("xmpp");
    this.connection = connection;
    this.userJids = new MatrixUserJids(config.component().domain());
    this.ghostIds = ghostIds;
    this.messageMap = messageMap;
    this.blocking = context.blockingExecutor();
    this.lanes = new KeyedSerialExecutor<>(blocking, "XMPP direct chat");
    this.mediaLinks = new XmppMediaLinks(context.mediaLinks());
    this.fetcher = fetcher;
    this.isBridgedMuc = isBridgedMuc;
  }

  public static boolean owns(Link link) {
    return link.remoteId().startsWith(LINK_PREFIX);
  }

  /** Messages and subscription presences from an XMPP user to a Matrix user's address. */
  public boolean handles(Stanza stanza) {
    Jid from = stanza.getFrom();
    if (from == null || stanza.getTo() == null || userJids.userOf(stanza.getTo()).isEmpty()
        || MUCUser.from(stanza) != null) {
      return false; // MUC traffic to our users' occupants (presences, invitations) is not a direct chat
    }
    if (from.getDomain().toString().equals(connection.domain()) || isBridgedMuc.test(from.asBareJid())) {
      return false;
    }
    if (stanza instanceof Message m) {
      return m.getType() == Message.Type.chat || m.getType() == Message.Type.normal
          || m.getType() == Message.Type.error;
    }
    return stanza instanceof Presence;
  }

  // ---- XMPP -> Matrix

  public void onStanza(Stanza stanza) {
    try {
      UserId user = userJids.userOf(stanza.getTo()).orElseThrow();
      BareJid remote = stanza.getFrom().asBareJid();
      if (stanza instanceof Presence presence) {
        onPresence(user, presence);
      } else if (stanza instanceof Message message) {
        if (message.getType() == Message.Type.error) {
          log.info("Direct message from {} to {} bounced: {}", user, LogText.of(remote), LogText.of(message.getError()));
          return;
        }
        if (ghostIds.isGhost(user) || !user.server().equals(context.serverName())
            || !context.permissions().allows(user, dev.switchboard.core.permission.Level.USER)) {
          connection.send(StanzaBuilder.buildMessage(message.getStanzaId()).from(message.getTo())
              .to(message.getFrom()).ofType(Message.Type.error)
              .setError(StanzaError.getBuilder(StanzaError.Condition.item_not_found)
                  .setDescriptiveEnText("Not a Matrix user of this bridge").build()).build());
          return;
        }
        inOrder(remote + "|" + user, () -> onMessage(user, remote, message));
      }
    } catch (RuntimeException e) {
      log.warn("Failed to handle a direct {} from {}: {}", stanza.getClass().getSimpleName(),
          LogText.of(stanza.getFrom()), LogText.of(e), e);
    }
  }

  /** RFC 6121 subscriptions: Matrix users accept every subscription and appear available. */
  private void onPresence(UserId user, Presence presence) {
    Jid us = presence.getTo().asBareJid();
    if (!context.permissions().allows(user, dev.switchboard.core.permission.Level.USER)) {
      // Not on XMPP as themselves (issue 16): no subscription is accepted and no presence shown for them.
      if (presence.getType() == Presence.Type.subscribe) {
        connection.send(StanzaBuilder.buildPresence().from(us).to(presence.getFrom().asBareJid())
            .ofType(Presence.Type.unsubscribed).build());
      }
      return;
    }
    switch (presence.getType()) {
      case subscribe -> {
        connection.send(StanzaBuilder.buildPresence().from(us).to(presence.getFrom().asBareJid())
            .ofType(Presence.Type.subscribed).build());
        sendAvailable(us, presence.getFrom().asBareJid());
      }
      case probe -> sendAvailable(us, presence.getFrom());
      case unsubscribe -> connection.send(StanzaBuilder.buildPresence().from(us).to(presence.getFrom().asBareJid())
          .ofType(Presence.Type.unsubscribed).build());
      default -> {
        // available / unavailable / subscribed from the XMPP user: nothing to mirror in Matrix yet
      }
    }
  }

  private void sendAvailable(Jid user, Jid to) {
    try {
      connection.send(StanzaBuilder.buildPresence().from(JidCreate.fullFrom(user + "/matrix")).to(to)
          .ofType(Presence.Type.available).build());
    } catch (XmppStringprepException e) {
      log.debug("no full JID for {}", user);
    }
  }

  private CompletableFuture<Void> onMessage(UserId user, BareJid remote, Message message) {
    UserId ghost = ghostIds.ghostOf(remote);
    Intent intent = context.intents().ghost(ghost);
    String body = message.getBody();
    Optional<ChatState> state = chatState(message);
    Optional<String> received = Receipts.receivedId(message);
    if (body == null && received.isPresent()) {
      return delivered(user, remote, intent, received.get());
    }
    if (body == null) {
      if (state.isEmpty()) {
        return done();
      }
      // XEP-0085 ↔ typing, only in a room that exists already
      return CompletableFuture.supplyAsync(() -> chatOf(remote, user), blocking).thenCompose(chat -> chat
          .map(c -> intent.setTyping(c.room(), state.get() == ChatState.composing, TYPING_TIMEOUT_MS))
          .orElse(done()));
    }
    ObjectNode content = XmppFormatting.contentOf(message, body);
    String id = message.getStanzaId() == null ? "none-" + UUID.randomUUID() : message.getStanzaId();
    MessageCorrectExtension correction = MessageCorrectExtension.from(message);
    // A message that is just a file's URL with OOB data (XEP-0363 uploads): fetched and uploaded (size limit, no
    // internal addresses unless allowed), else it stays the link.
    Optional<String> url = XmppMediaLinks.oobUrl(message);
    CompletableFuture<ObjectNode> toSend = correction != null || url.isEmpty() || !body.strip().equals(url.get())
        ? CompletableFuture.completedFuture(content)
        : fetcher.fetch(url.get())
            .thenCompose(file -> intent.uploadMedia(file.bytes(), file.contentType(), file.fileName())
                .thenApply(mxc -> dev.switchboard.xmpp.media.MucMediaHook.content(file, mxc)))
            .exceptionally(err -> {
              log.info("Not re-uploading {} from {}: {}", LogText.of(url.get()), LogText.of(remote),
                  LogText.of(err.getMessage()));
              return content;
            });
    return toSend.thenCompose(c -> CompletableFuture.supplyAsync(() -> chatOf(remote, user), blocking))
        .thenCompose(chat -> chat.isPresent() ? rejoinIfLeft(chat.get(), intent, user)
            : createRoom(remote, user, ghost, intent))
        .thenCompose(room -> {
          ObjectNode sendContent = toSend.join();
          String remoteRoom = linkId(remote, user);
          Optional<EventId> replaced = correction == null ? Optional.empty()
              : messageMap.byRemote(new MessageMapStore.RemoteMessage(PROTOCOL, remoteRoom,
                  "from:" + correction.getIdInitialMessage())).map(MessageMapStore.MessageMapping::eventId);
          return intent.sendMessage(room, replaced.map(r -> Edits.replacing(r, sendContent)).orElse(sendContent),
                  "xmpp-chat|" + remote + "|" + user + "|" + id)
              .thenCompose(event -> messageMap.record(new MessageMapStore.NewMapping(
                  new MessageMapStore.RemoteMessage(PROTOCOL, remoteRoom, "from:" + id), room, event)));
        })
        // XEP-0184: confirmed only once the homeserver has the event (and the map its id), so a receipt never
        // covers a message that could still be lost.
        .thenRun(() -> {
          if (Receipts.requested(message)) {
            connection.send(Receipts.receiptFor(message));
          }
        });
  }

  /**
   * XEP-0184: the XMPP client has the Matrix user's message {@code id}. Matrix has no "delivered" receipt; as for
   * texts to phones, the ghost's read receipt on the event says it arrived. A receipt for an id we never sent (or
   * sent before this was recorded) ends here; it never becomes a message.
   */
  private CompletableFuture<Void> delivered(UserId user, BareJid remote, Intent ghost, String id) {
    MessageMapStore.RemoteMessage sent = new MessageMapStore.RemoteMessage(PROTOCOL, linkId(remote, user), "to:" + id);
    return CompletableFuture.supplyAsync(() -> messageMap.byRemote(sent), blocking).thenCompose(mapping -> {
      if (mapping.isEmpty()) {
        log.debug("Delivery receipt from {} for {}: no such message of {}", LogText.of(remote), LogText.of(id), user);
        return done();
      }
      return ghost.sendReadReceipt(mapping.get().roomId(), mapping.get().eventId());
    });
  }

  /**
   * The room to post in, with the user invited back when they left. The user's membership is read from the room,
   * not only from the flag the leave event set: an XMPP message can arrive before that event reaches us.
   */
  private CompletableFuture<RoomId> rejoinIfLeft(DirectChat chat, Intent ghost, UserId user) {
    return ghost.getState(chat.room(), "m.room.member", user.value())
        .handle((member, err) -> err != null || member == null ? chat.userLeft()
            : List.of("leave", "ban").contains(member.path("membership").asText()))
        .thenCompose(left -> {
          if (!left) {
            return CompletableFuture.completedFuture(chat.room());
          }
          // The user left the DM: invite them back, so the message is not posted into a room nobody reads.
          return ghost.invite(chat.room(), user).thenApplyAsync(v -> {
            setUserLeft(chat.room(), false);
            log.info("{} had left the direct chat {} with {}; invited again", user, chat.room(), chat.remote());
            return chat.room();
          }, blocking);
        });
  }

  private CompletableFuture<RoomId> createRoom(BareJid remote, UserId user, UserId ghost, Intent intent) {
    ObjectNode request = JsonNodeFactory.instance.objectNode();
    request.put("preset", "trusted_private_chat");
    request.put("is_direct", true);
    request.putArray("invite").add(user.value());
    bridgeInfo(remote).addTo(request);
    return intent.ensureRegistered()
        .thenCompose(v -> intent.setDisplayName(remote.toString()))
        .thenCompose(v -> intent.createRoom(request))
        .thenApplyAsync(room -> {
          record(remote, user, room);
          log.info("Direct chat {} for {} and {} created", room, remote, user);
          return room;
        }, blocking);
  }

  // ---- Matrix -> XMPP

  private BridgeInfo bridgeInfo(BareJid remote) {
    return XmppBridgeInfo.directChat(context.intents().bot().userId(), remote);
  }

  /**
   * Membership outside any link: an invite of one of our ghosts is a new direct chat with the inviter. The ghost
   * writes the room's bridge state once it joined, if the room gave it the power to (a {@code trusted_private_chat}
   * does); the bot stays out of DMs.
   */
  public CompletableFuture<Void> onUnlinkedMembership(MembershipChange change) {
    if (!"invite".equals(change.membership())) {
      return done();
    }
    MatrixEvent event = change.event();
    UserId ghost = change.subject();
    Optional<Jid> remote = ghostIds.jidOf(ghost);
    if (remote.isEmpty() || !remote.get().hasNoResource() || remote.get().asEntityBareJidIfPossible() == null) {
      return done(); // MUC occupants' ghosts (room@service/nick) do not take direct chats
    }
    BareJid jid = remote.get().asBareJid();
    UserId inviter = event.sender();
    // The link first, then the join: core routes the room's next events without waiting for this one, and the
    // inviter's first message (sent once they see the ghost join) must find the direct chat. A failed join takes
    // the link back (and the invite is tried again).
    return CompletableFuture.supplyAsync(() -> {
          chatOf(jid, inviter).ifPresent(this::forget);
          record(jid, inviter, event.roomId());
          return new DirectChat(jid, inviter, event.roomId(), false);
        }, blocking)
        .thenCompose(chat -> context.intents().ghost(ghost).ensureJoined(event.roomId())
            .exceptionallyCompose(err -> CompletableFuture.runAsync(() -> forget(chat), blocking)
                .thenCompose(v -> CompletableFuture.<Void>failedFuture(err))))
        .thenRun(() -> log.info("{} opened direct chat {} with {}", inviter, event.roomId(), jid))
        .thenCompose(v -> bridgeInfo(jid).writeIfPermitted(context.intents().ghost(ghost), event.roomId()));
  }

  /** The chat's user left or was banned: the next XMPP message invites them back. */
  @Override
  public CompletableFuture<Void> onMembership(MembershipChange change, Link link) {
    Optional<DirectChat> chat = parseLink(link);
    if (chat.isEmpty() || ghostIds.isGhost(change.event().sender()) || !change.subject().equals(chat.get().user())) {
      return done();
    }
    if (change.membership().equals("leave") || change.membership().equals("ban")) {
      return CompletableFuture.runAsync(() -> setUserLeft(chat.get().room(), true), blocking);
    }
    return done();
  }

  @Override
  public CompletableFuture<Void> onMessage(MatrixMessage message, Link link) {
    return send(message.event(), link, message.event().content(), Optional.empty());
  }

  /** An edit becomes an XEP-0308 correction of the message sent with the id derived from its event id. */
  @Override
  public CompletableFuture<Void> onEdit(MatrixEdit edit, Link link) {
    return send(edit.event(), link, edit.newContent(), Optional.of(edit.replaces()));
  }

  /** The chat's user's message to the XMPP address. */
  private CompletableFuture<Void> send(MatrixEvent event, Link link, JsonNode content, Optional<EventId> replaces) {
    Optional<DirectChat> chat = parseLink(link);
    if (chat.isEmpty() || ghostIds.isGhost(event.sender()) || !event.sender().equals(chat.get().user())) {
      return done();
    }
    DirectChat c = chat.get();
    Optional<XmppBody> text = XmppBody.of(content, content.path("body").asText(""), mediaLinks);
    if (text.isEmpty()) {
      return done();
    }
    FullJid from;
    try {
      from = JidCreate.fullFrom(userJids.jidOf(c.user()) + "/matrix");
    } catch (XmppStringprepException e) {
      return done();
    }
    String id = StanzaIds.of(event.eventId().value());
    MessageBuilder b = StanzaBuilder.buildMessage(id).from(from)
        .to(c.remote()).ofType(Message.Type.chat).setBody(XmlText.clean(text.get().text()))
        .addExtension(new ChatStateExtension(ChatState.active))
        .addExtension(Receipts.request()); // XEP-0184 § 5.1: one-to-one chat, as most clients and bridges do
    replaces.ifPresent(r -> b.addExtension(new MessageCorrectExtension(StanzaIds.of(r.value()))));
    text.get().formatted().ifPresent(f -> b.addExtension(f.xhtml()));
    meters.message(ConnectorMeters.Direction.TO_REMOTE);
    // Mapped before it goes out: its XEP-0184 receipt can come back at once. Done when written to the component
    // stream; while it is down the dispatcher holds the event.
    return messageMap.record(new MessageMapStore.NewMapping(new MessageMapStore.RemoteMessage(PROTOCOL,
            linkId(c.remote(), c.user()), "to:" + id), link.roomId(), event.eventId()))
        .thenCompose(v -> connection.deliver(XmppMediaLinks.withOob(b.build(), text.get().media())));
  }

  // ---- store

  /** One direct chat: the XMPP address, the Matrix user, their room. */
  record DirectChat(BareJid remote, UserId user, RoomId room, boolean userLeft) {}

  private static String linkId(BareJid remote, UserId user) {
    return LINK_PREFIX + remote + "|" + user.value();
  }

  private static Optional<DirectChat> parseLink(Link link) {
    String rest = link.remoteId().substring(LINK_PREFIX.length());
    int cut = rest.lastIndexOf('|');
    if (cut <= 0) {
      return Optional.empty();
    }
    try {
      return Optional.of(new DirectChat(JidCreate.bareFrom(rest.substring(0, cut)), UserId.of(rest.substring(cut + 1)),
          link.roomId(), false));
    } catch (XmppStringprepException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  private Optional<DirectChat> chatOf(BareJid remote, UserId user) {
    return context.database().inTransaction(c -> {
      try (PreparedStatement st = c.prepareStatement(
          "SELECT room_id, user_left FROM xmpp_direct_chat WHERE remote_jid = ? AND user_id = ?")) {
        st.setString(1, remote.toString());
        st.setString(2, user.value());
        try (ResultSet rs = st.executeQuery()) {
          return rs.next() ? Optional.of(new DirectChat(remote, user, RoomId.of(rs.getString(1)), rs.getBoolean(2)))
              : Optional.<DirectChat>empty();
        }
      }
    });
  }

  private void record(BareJid remote, UserId user, RoomId room) {
    context.database().inTransaction(c -> {
      try (PreparedStatement st = c.prepareStatement(
          "INSERT INTO xmpp_direct_chat (remote_jid, user_id, room_id, user_left) VALUES (?, ?, ?, ?)")) {
        st.setString(1, remote.toString());
        st.setString(2, user.value());
        st.setString(3, room.value());
        st.setBoolean(4, false);
        return st.executeUpdate();
      }
    });
    Link link = new Link(room, PROTOCOL, linkId(remote, user), false);
    if (context.portals().portal(room).isEmpty()) {
      context.portals().createPlumbedRoom(room, List.of(link));
    } else {
      context.portals().addLink(link);
    }
  }

  /** A newer room replaces an old one for the same pair (the user opened a new DM with the ghost). */
  private void forget(DirectChat old) {
    context.portals().removeLink(new Link(old.room(), PROTOCOL, linkId(old.remote(), old.user()), false));
    context.database().inTransaction(c -> {
      try (PreparedStatement st = c.prepareStatement(
          "DELETE FROM xmpp_direct_chat WHERE remote_jid = ? AND user_id = ?")) {
        st.setString(1, old.remote().toString());
        st.setString(2, old.user().value());
        return st.executeUpdate();
      }
    });
  }

  private void setUserLeft(RoomId room, boolean left) {
    context.database().inTransaction(c -> {
      try (PreparedStatement st = c.prepareStatement("UPDATE xmpp_direct_chat SET user_left = ? WHERE room_id = ?")) {
        st.setBoolean(1, left);
        st.setString(2, room.value());
        return st.executeUpdate();
      }
    });
  }

  // ---- helpers

  /** The XEP-0085 state of a message, whichever way the parser read the element. */
  private static Optional<ChatState> chatState(Message message) {
    org.jivesoftware.smack.packet.ExtensionElement e = message.getExtension(ChatStateExtension.NAMESPACE);
    if (e == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(ChatState.valueOf(e.getElementName()));
    } catch (IllegalArgumentException bad) {
      return Optional.empty();
    }
  }

  private void inOrder(String key, Supplier<CompletableFuture<Void>> work) {
    lanes.submit(key, work).whenComplete((v, e) -> {
      if (e != null) {
        log.warn("Direct chat {}: {}", key, rootCause(e).toString());
      }
    });
  }


  private static CompletableFuture<Void> done() {
    return CompletableFuture.completedFuture(null);
  }


}
