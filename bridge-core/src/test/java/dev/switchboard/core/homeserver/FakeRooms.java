package dev.switchboard.core.homeserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.core.homeserver.StubHomeserver.Answer;
import dev.switchboard.core.homeserver.StubHomeserver.Seen;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Just enough homeserver behind {@link StubHomeserver} for unit tests of intents and the queue: accounts, invite-only
 * rooms, joins, and sends de-duplicated by (user, txn id). Faults come from {@link #faults}, consulted first.
 */
final class FakeRooms implements Function<Seen, Answer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A posted event: who sent it, its type and content. */
  record Posted(String sender, String type, JsonNode content, String txnId, String ts) {}

  static final class Room {
    final boolean inviteOnly;
    final Set<String> joined = ConcurrentHashMap.newKeySet();
    final Set<String> invited = ConcurrentHashMap.newKeySet();
    final Set<String> banned = ConcurrentHashMap.newKeySet();
    final List<Posted> timeline = new ArrayList<>();

    Room(boolean inviteOnly) {
      this.inviteOnly = inviteOnly;
    }

    synchronized List<Posted> timeline() {
      return List.copyOf(timeline);
    }
  }

  final String bot;
  final Set<String> users = ConcurrentHashMap.newKeySet();
  final Map<String, Room> rooms = new ConcurrentHashMap<>();
  private final Map<String, String> txns = new ConcurrentHashMap<>();
  volatile Function<Seen, Answer> faults = s -> null;

  FakeRooms(String bot) {
    this.bot = bot;
    users.add(bot);
  }

  Room room(String id, boolean inviteOnly) {
    Room r = new Room(inviteOnly);
    r.joined.add(bot);
    rooms.put(id, r);
    return r;
  }

  @Override
  public Answer apply(Seen s) {
    Answer fault = faults.apply(s);
    if (fault != null) {
      return fault;
    }
    String user = bot;
    if (s.rawQuery() != null) {
      for (String kv : s.rawQuery().split("&")) {
        if (kv.startsWith("user_id=")) {
          user = decode(kv.substring(8));
        }
      }
    }
    String[] p = s.rawPath().split("/", -1);
    List<String> seg = new ArrayList<>();
    for (int i = 4; i < p.length; i++) {
      seg.add(decode(p[i]));
    }
    JsonNode body = parse(s.body());
    if (seg.get(0).equals("register")) {
      String id = "@" + body.path("username").asText() + ":example.org";
      return users.add(id) ? Answer.ok("{\"user_id\":\"" + id + "\"}")
          : Answer.error(400, "M_USER_IN_USE", "taken");
    }
    if (!users.contains(user)) {
      return Answer.error(403, "M_FORBIDDEN", "Application service has not registered this user");
    }
    if (seg.get(0).equals("rooms")) {
      Room room = rooms.get(seg.get(1));
      if (room == null) {
        return Answer.error(404, "M_NOT_FOUND", "no room");
      }
      String action = seg.get(2);
      switch (action) {
        case "join":
          if (room.banned.contains(user) || (room.inviteOnly && !room.invited.contains(user)
              && !room.joined.contains(user))) {
            return Answer.error(403, "M_FORBIDDEN", "You are not invited to this room.");
          }
          room.joined.add(user);
          return Answer.ok("{\"room_id\":\"" + seg.get(1) + "\"}");
        case "invite":
          if (!room.joined.contains(user)) {
            return Answer.error(403, "M_FORBIDDEN", "not in room");
          }
          room.invited.add(body.path("user_id").asText());
          return Answer.ok("{}");
        case "send":
        case "state":
        case "redact":
          if (!room.joined.contains(user)) {
            return Answer.error(403, "M_FORBIDDEN", "User " + user + " not in room " + seg.get(1));
          }
          String txnKey = user + "|" + s.rawPath();
          String known = action.equals("state") ? null : txns.get(txnKey);
          if (known != null) {
            return Answer.ok("{\"event_id\":\"" + known + "\"}");
          }
          String ts = s.rawQuery() == null ? null
              : java.util.Arrays.stream(s.rawQuery().split("&")).filter(kv -> kv.startsWith("ts="))
                  .map(kv -> kv.substring(3)).findFirst().orElse(null);
          String eventId;
          synchronized (room) {
            room.timeline.add(new Posted(user, action.equals("redact") ? "m.room.redaction" : seg.get(3), body,
                seg.size() > 4 ? seg.get(4) : null, ts));
            eventId = "$e" + room.timeline.size() + "_" + Math.abs(seg.get(1).hashCode());
          }
          if (!action.equals("state")) {
            txns.put(txnKey, eventId);
          }
          return Answer.ok("{\"event_id\":\"" + eventId + "\"}");
        default:
          return Answer.ok("{}");
      }
    }
    return Answer.ok("{}");
  }

  private static String decode(String s) {
    return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  private static JsonNode parse(String body) {
    try {
      return body.isEmpty() ? JSON.createObjectNode() : JSON.readTree(body);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }
}
