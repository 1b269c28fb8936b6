package dev.switchboard.xmpp.muc;

import dev.switchboard.xmpp.address.GatewayJids;
import dev.switchboard.xmpp.address.MatrixUserJids;
import dev.switchboard.xmpp.stanza.StartTag;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jxmpp.jid.Jid;
import org.jxmpp.jid.impl.JidCreate;
import org.jxmpp.stringprep.XmppStringprepException;

/**
 * Recognises, before it is read, a MUC's copy of a groupchat message for one of our Matrix users' occupants. A MUC
 * sends every message to every occupant (XEP-0045 § 7.4): with 50 Matrix users in a MUC, each message reached the
 * component 51 times and was parsed 51 times, although only the listener's copy is bridged ({@link MucToMatrix}) and
 * a user's copy matters only as the reflection of that user's own message ({@link Reflections}). Such a copy is
 * skipped unless a reflection is awaited for its addressee.
 *
 * <p>The look is at the element's start tag only: {@code <message} with {@code type='groupchat'} and a {@code to}
 * that is one of our Matrix users' JIDs (not a gateway room's, whose address reads as one). Anything else, or
 * anything unusual (another prefix, an entity in the address, a malformed tag), is parsed as before. What each
 * {@code to} is, is remembered (a few thousand addresses at most): the same 50 come with every message.
 */
final class OccupantCopies {
  private static final String MESSAGE = "message";
  /** Beyond this many addresses remembered, the memory starts again (a server could name any number). */
  private static final int MAX_REMEMBERED = 4096;

  private final MatrixUserJids users;
  private final GatewayJids gatewayRooms;
  private final Reflections reflections;
  /** Per {@code to} as written: the JID when it is one of our Matrix users' (not a gateway room's), else empty. */
  private final Map<String, Optional<Jid>> addressees = new ConcurrentHashMap<>();

  OccupantCopies(MatrixUserJids users, GatewayJids gatewayRooms, Reflections reflections) {
    this.users = users;
    this.gatewayRooms = gatewayRooms;
    this.reflections = reflections;
  }

  /**
   * Whether the raw top-level element that starts with {@code startTag} (its start tag, or more of it) is a copy no
   * one needs (see the class comment).
   */
  boolean unneeded(String startTag) {
    if (!MESSAGE.equals(StartTag.name(startTag))) {
      return false;
    }
    Map<String, String> attributes = StartTag.attributes(startTag);
    String to = attributes == null ? null : attributes.get("to");
    if (to == null || !"groupchat".equals(attributes.get("type"))) {
      return false;
    }
    Optional<Jid> user = addressees.get(to);
    if (user == null) {
      if (addressees.size() >= MAX_REMEMBERED) {
        addressees.clear();
      }
      user = matrixUser(to);
      addressees.put(to, user);
    }
    return user.isPresent() && !reflections.awaits(user.get());
  }

  /** The JID {@code to} when it is one of our Matrix users' (and plainly written), else empty. */
  private Optional<Jid> matrixUser(String to) {
    if (to.indexOf('&') >= 0) {
      return Optional.empty();
    }
    Jid addressee;
    try {
      addressee = JidCreate.from(to);
    } catch (XmppStringprepException | IllegalArgumentException e) {
      return Optional.empty();
    }
    // A gateway room's address can read as a user id too ("@#room:server"): what is said there is always parsed.
    return users.userOf(addressee).isPresent() && !gatewayRooms.isGatewayRoom(addressee)
        ? Optional.of(addressee) : Optional.empty();
  }
}
