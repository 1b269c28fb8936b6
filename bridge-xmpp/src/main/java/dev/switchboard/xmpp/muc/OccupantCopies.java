package dev.switchboard.xmpp.muc;

import dev.switchboard.xmpp.address.GatewayJids;
import dev.switchboard.xmpp.address.MatrixUserJids;
import java.util.HashMap;
import java.util.Map;
import org.jxmpp.jid.Jid;
import org.jxmpp.jid.impl.JidCreate;
import org.jxmpp.stringprep.XmppStringprepException;

/**
 * Recognises, before it is parsed, a MUC's copy of a groupchat message for one of our Matrix users' occupants. A MUC
 * sends every message to every occupant (XEP-0045 § 7.4): with 50 Matrix users in a MUC, each message reached the
 * component 51 times and was parsed 51 times, although only the listener's copy is bridged ({@link MucToMatrix}) and
 * a user's copy matters only as the reflection of that user's own message ({@link Reflections}). Such a copy is
 * skipped unless a reflection is awaited for its addressee.
 *
 * <p>The look is at the element's start tag only: {@code <message} with {@code type='groupchat'} and a {@code to}
 * that is one of our Matrix users' JIDs (not a gateway room's, whose address reads as one). Anything else, or anything unusual (another prefix, an entity in the
 * address, a malformed tag), is parsed as before.
 */
final class OccupantCopies {
  private static final String START = "<message";

  private final MatrixUserJids users;
  private final GatewayJids gatewayRooms;
  private final Reflections reflections;

  OccupantCopies(MatrixUserJids users, GatewayJids gatewayRooms, Reflections reflections) {
    this.users = users;
    this.gatewayRooms = gatewayRooms;
    this.reflections = reflections;
  }

  /** Whether the raw top-level element {@code xml} is a copy no one needs (see the class comment). */
  boolean unneeded(String xml) {
    if (!xml.startsWith(START) || xml.length() == START.length()
        || !(Character.isWhitespace(xml.charAt(START.length())) || xml.charAt(START.length()) == '>')) {
      return false;
    }
    Map<String, String> attributes = attributes(xml);
    String to = attributes == null ? null : attributes.get("to");
    if (to == null || to.indexOf('&') >= 0 || !"groupchat".equals(attributes.get("type"))) {
      return false;
    }
    Jid addressee;
    try {
      addressee = JidCreate.from(to);
    } catch (XmppStringprepException | IllegalArgumentException e) {
      return false;
    }
    // A gateway room's address can read as a user id too ("@#room:server"): what is said there is always parsed.
    return users.userOf(addressee).isPresent() && !gatewayRooms.isGatewayRoom(addressee)
        && !reflections.awaits(addressee);
  }

  /**
   * The attributes of the element's start tag, or null when the tag is not a plain well-formed one (an attribute
   * without a quoted value, an empty name, no closing {@code >}).
   */
  static Map<String, String> attributes(String xml) {
    Map<String, String> out = new HashMap<>(8);
    int i = START.length();
    int n = xml.length();
    while (i < n) {
      char c = xml.charAt(i);
      if (c == '>' || (c == '/' && i + 1 < n && xml.charAt(i + 1) == '>')) {
        return out;
      }
      if (Character.isWhitespace(c)) {
        i++;
        continue;
      }
      int eq = xml.indexOf('=', i);
      if (eq < 0) {
        return null;
      }
      int q = eq + 1;
      while (q < n && Character.isWhitespace(xml.charAt(q))) {
        q++;
      }
      if (q >= n || (xml.charAt(q) != '\'' && xml.charAt(q) != '"')) {
        return null;
      }
      int close = xml.indexOf(xml.charAt(q), q + 1);
      String name = xml.substring(i, eq).strip();
      if (close < 0 || name.isEmpty() || out.put(name, xml.substring(q + 1, close)) != null) {
        return null;
      }
      i = close + 1;
    }
    return null;
  }
}
