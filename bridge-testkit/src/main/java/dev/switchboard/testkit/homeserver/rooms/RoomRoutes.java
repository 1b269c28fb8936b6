package dev.switchboard.testkit.homeserver.rooms;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.testkit.homeserver.MatrixException;
import dev.switchboard.testkit.homeserver.http.Call;
import dev.switchboard.testkit.homeserver.http.HttpResponse;
import dev.switchboard.testkit.homeserver.http.Router;
import dev.switchboard.testkit.homeserver.state.Event;
import dev.switchboard.testkit.homeserver.state.Room;
import dev.switchboard.testkit.homeserver.state.ServerState;
import java.util.List;

/** Client-server endpoints for rooms: create, send, state, members, redact, typing, receipts, history. */
public final class RoomRoutes {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private final ServerState state;
  private final RoomService rooms;

  public RoomRoutes(ServerState state, RoomService rooms) {
    this.state = state;
    this.rooms = rooms;
  }

  public void register(Router router) {
    router.client("POST", "/createRoom", c -> HttpResponse.ok(rooms.createRoom(c.requester(), c.json())));
    router.client("PUT", "/rooms/{roomId}/send/{eventType}/{txnId}", c -> eventId(rooms.send(c.requester(),
        c.param("roomId"), c.param("eventType"), c.json(), c.appServiceTs(), c.transactionKey())));
    router.client("PUT", "/rooms/{roomId}/state/{eventType}/{stateKey}", this::putState);
    router.client("PUT", "/rooms/{roomId}/state/{eventType}", this::putState);
    router.client("GET", "/rooms/{roomId}/state/{eventType}/{stateKey}", this::getState);
    router.client("GET", "/rooms/{roomId}/state/{eventType}", this::getState);
    router.client("GET", "/rooms/{roomId}/state", this::allState);
    router.client("GET", "/rooms/{roomId}/members", this::members);
    router.client("GET", "/rooms/{roomId}/joined_members", this::joinedMembers);
    router.client("GET", "/joined_rooms", this::joinedRooms);
    router.client("PUT", "/rooms/{roomId}/redact/{eventId}/{txnId}", c -> eventId(rooms.redact(c.requester(),
        c.param("roomId"), c.param("eventId"), c.json().path("reason").asText(null), c.transactionKey())));
    router.client("PUT", "/rooms/{roomId}/typing/{userId}", c -> {
      rooms.typing(c.requester(), c.param("roomId"), c.param("userId"), c.json().path("typing").asBoolean());
      return HttpResponse.ok(NODES.objectNode());
    });
    router.client("POST", "/rooms/{roomId}/receipt/{receiptType}/{eventId}", c -> {
      rooms.receipt(c.requester(), c.param("roomId"), c.param("receiptType"), c.param("eventId"));
      return HttpResponse.ok(NODES.objectNode());
    });
    router.client("GET", "/rooms/{roomId}/messages", this::messages);
    router.client("GET", "/rooms/{roomId}/event/{eventId}", this::event);
  }

  private static HttpResponse eventId(String eventId) {
    return HttpResponse.ok(NODES.objectNode().put("event_id", eventId));
  }

  private HttpResponse putState(Call c) {
    String key = c.param("stateKey") == null ? "" : c.param("stateKey");
    return eventId(rooms.setState(c.requester(), c.param("roomId"), c.param("eventType"), key, c.json(),
        c.appServiceTs()));
  }

  private HttpResponse getState(Call c) {
    String key = c.param("stateKey") == null ? "" : c.param("stateKey");
    String user = c.requester().userId();
    return state.locked(() -> {
      Room room = visibleRoom(c.param("roomId"), user);
      Event e = state.stateEvent(room, c.param("eventType"), key);
      if (e == null) {
        throw MatrixException.notFound("Event not found.");
      }
      return HttpResponse.ok(e.content());
    });
  }

  private HttpResponse allState(Call c) {
    String user = c.requester().userId();
    return state.locked(() -> {
      Room room = visibleRoom(c.param("roomId"), user);
      ArrayNode out = NODES.arrayNode();
      state.currentState(room).forEach(e -> out.add(e.toJson(state.now())));
      return HttpResponse.ok(out);
    });
  }

  private HttpResponse members(Call c) {
    String user = c.requester().userId();
    String only = c.query("membership");
    String not = c.query("not_membership");
    return state.locked(() -> {
      Room room = visibleRoom(c.param("roomId"), user);
      ArrayNode chunk = NODES.arrayNode();
      for (Event e : state.currentState(room)) {
        String m = e.content().path("membership").asText();
        if (e.type().equals("m.room.member") && (only == null || only.equals(m)) && !m.equals(not)) {
          chunk.add(e.toJson(state.now()));
        }
      }
      ObjectNode body = NODES.objectNode();
      body.set("chunk", chunk);
      return HttpResponse.ok(body);
    });
  }

  private HttpResponse joinedMembers(Call c) {
    String user = c.requester().userId();
    return state.locked(() -> {
      Room room = visibleRoom(c.param("roomId"), user);
      ObjectNode joined = NODES.objectNode();
      for (String member : state.membersWith(room, "join")) {
        var content = state.stateContent(room, "m.room.member", member);
        ObjectNode entry = joined.putObject(member);
        if (content.hasNonNull("displayname")) {
          entry.put("display_name", content.get("displayname").asText());
        }
        if (content.hasNonNull("avatar_url")) {
          entry.put("avatar_url", content.get("avatar_url").asText());
        }
      }
      ObjectNode body = NODES.objectNode();
      body.set("joined", joined);
      return HttpResponse.ok(body);
    });
  }

  private HttpResponse joinedRooms(Call c) {
    String user = c.requester().userId();
    return state.locked(() -> {
      ArrayNode ids = NODES.arrayNode();
      for (Room room : state.rooms()) {
        if ("join".equals(state.membership(room, user))) {
          ids.add(room.roomId());
        }
      }
      ObjectNode body = NODES.objectNode();
      body.set("joined_rooms", ids);
      return HttpResponse.ok(body);
    });
  }

  // Pagination tokens are timeline positions ("t<index>"); dir=b walks back from the end.
  private HttpResponse messages(Call c) {
    String user = c.requester().userId();
    String dir = c.query("dir") == null ? "b" : c.query("dir");
    int limit = c.query("limit") == null ? 10 : Math.min(1000, Integer.parseInt(c.query("limit")));
    String from = c.query("from");
    return state.locked(() -> {
      Room room = visibleRoom(c.param("roomId"), user);
      List<Event> timeline = state.timeline(room);
      int start = from != null && from.startsWith("t") ? Integer.parseInt(from.substring(1))
          : "b".equals(dir) ? timeline.size() : 0;
      ArrayNode chunk = NODES.arrayNode();
      int pos = start;
      if ("b".equals(dir)) {
        while (pos > 0 && chunk.size() < limit) {
          chunk.add(timeline.get(--pos).toJson(state.now()));
        }
      } else {
        while (pos < timeline.size() && chunk.size() < limit) {
          chunk.add(timeline.get(pos++).toJson(state.now()));
        }
      }
      ObjectNode body = NODES.objectNode();
      body.put("start", "t" + start);
      if (("b".equals(dir) && pos > 0) || ("f".equals(dir) && pos < timeline.size())) {
        body.put("end", "t" + pos);
      }
      body.set("chunk", chunk);
      return HttpResponse.ok(body);
    });
  }

  private HttpResponse event(Call c) {
    String user = c.requester().userId();
    return state.locked(() -> {
      Room room = visibleRoom(c.param("roomId"), user);
      Event e = state.event(c.param("eventId"));
      if (e == null || !e.roomId().equals(room.roomId())) {
        throw MatrixException.notFound("Event not found.");
      }
      return HttpResponse.ok(e.toJson(state.now()));
    });
  }

  // Synapse lets members (and former members) read a room; others get 403.
  private Room visibleRoom(String roomId, String userId) {
    Room room = state.room(roomId);
    String m = room == null ? null : state.membership(room, userId);
    if (m == null || "invite".equals(m)) {
      throw MatrixException.forbidden("User " + userId + " not in room " + roomId + ", and room previews are disabled");
    }
    return room;
  }
}
