package dev.switchboard.testkit.homeserver.aliases;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.testkit.homeserver.MatrixException;
import dev.switchboard.testkit.homeserver.http.Call;
import dev.switchboard.testkit.homeserver.http.HttpResponse;
import dev.switchboard.testkit.homeserver.http.Router;
import dev.switchboard.testkit.homeserver.state.PowerLevels;
import dev.switchboard.testkit.homeserver.state.Requester;
import dev.switchboard.testkit.homeserver.state.Room;
import dev.switchboard.testkit.homeserver.state.ServerState;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * The published room directory: {@code GET/PUT /directory/list/room/{roomId}} and {@code GET/POST /publicRooms}
 * (with {@code limit}, {@code since} and {@code filter.generic_search_term}), as Synapse answers them: largest rooms
 * first, {@code next_batch}/{@code prev_batch} as offsets. A room created with {@code visibility: public} is
 * published.
 */
public final class DirectoryRoutes {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private final ServerState state;

  public DirectoryRoutes(ServerState state) {
    this.state = state;
  }

  public void register(Router router) {
    router.client("GET", "/directory/list/room/{roomId}", this::getVisibility);
    router.client("PUT", "/directory/list/room/{roomId}", this::putVisibility);
    router.client("GET", "/publicRooms", this::getPublicRooms);
    router.client("POST", "/publicRooms", this::postPublicRooms);
  }

  private HttpResponse getVisibility(Call c) {
    String roomId = c.param("roomId");
    boolean published = state.locked(() -> {
      state.requireRoom(roomId);
      return state.isPublished(roomId);
    });
    return HttpResponse.ok(NODES.objectNode().put("visibility", published ? "public" : "private"));
  }

  private HttpResponse putVisibility(Call c) {
    Requester requester = c.requester();
    String roomId = c.param("roomId");
    String visibility = c.json().path("visibility").asText("public");
    if (!visibility.equals("public") && !visibility.equals("private")) {
      throw MatrixException.invalidParam("visibility must be public or private");
    }
    state.locked(() -> {
      Room room = state.requireRoom(roomId);
      PowerLevels levels = PowerLevels.of(state, room);
      // Synapse: the room's moderators (canonical alias level) may publish it.
      if (levels.user(requester.userId()) < levels.event("m.room.canonical_alias", true)) {
        throw MatrixException.forbidden("You don't have permission to change the room's directory visibility");
      }
      state.setPublished(roomId, visibility.equals("public"));
    });
    return HttpResponse.ok(NODES.objectNode());
  }

  private HttpResponse getPublicRooms(Call c) {
    c.requester();
    return HttpResponse.ok(list(intOr(c.query("limit"), -1), c.query("since"), null));
  }

  private HttpResponse postPublicRooms(Call c) {
    c.requester();
    ObjectNode body = c.json();
    JsonNode term = body.path("filter").path("generic_search_term");
    return HttpResponse.ok(list(body.path("limit").asInt(-1), body.path("since").asText(null),
        term.isTextual() && !term.asText().isBlank() ? term.asText() : null));
  }

  private ObjectNode list(int limit, String since, String term) {
    int from = intOr(since, 0);
    if (from < 0) {
      throw MatrixException.invalidParam("Invalid since token");
    }
    List<ObjectNode> chunk = state.locked(() -> {
      List<ObjectNode> rooms = new ArrayList<>();
      for (String roomId : state.publishedRooms()) {
        Room room = state.room(roomId);
        if (room != null) {
          rooms.add(entry(room));
        }
      }
      return rooms;
    });
    if (term != null) {
      String t = term.toLowerCase(Locale.ROOT);
      chunk.removeIf(r -> List.of("name", "topic", "canonical_alias").stream()
          .noneMatch(f -> r.path(f).asText("").toLowerCase(Locale.ROOT).contains(t)));
    }
    chunk.sort(Comparator.comparingInt((ObjectNode r) -> -r.path("num_joined_members").asInt()));
    int to = limit > 0 ? Math.min(chunk.size(), from + limit) : chunk.size();
    ObjectNode response = NODES.objectNode();
    ArrayNode out = response.putArray("chunk");
    chunk.subList(Math.min(from, chunk.size()), to).forEach(out::add);
    if (to < chunk.size()) {
      response.put("next_batch", Integer.toString(to));
    }
    if (from > 0) {
      response.put("prev_batch", Integer.toString(Math.max(0, from - Math.max(limit, 1))));
    }
    response.put("total_room_count_estimate", chunk.size());
    return response;
  }

  private ObjectNode entry(Room room) {
    ObjectNode e = NODES.objectNode();
    e.put("room_id", room.roomId());
    e.put("num_joined_members", state.membersWith(room, "join").size());
    JsonNode history = state.stateContent(room, "m.room.history_visibility", "");
    e.put("world_readable", history != null && "world_readable".equals(history.path("history_visibility").asText()));
    JsonNode guests = state.stateContent(room, "m.room.guest_access", "");
    e.put("guest_can_join", guests != null && "can_join".equals(guests.path("guest_access").asText()));
    copy(state.stateContent(room, "m.room.name", ""), "name", e, "name");
    copy(state.stateContent(room, "m.room.topic", ""), "topic", e, "topic");
    copy(state.stateContent(room, "m.room.canonical_alias", ""), "alias", e, "canonical_alias");
    copy(state.stateContent(room, "m.room.avatar", ""), "url", e, "avatar_url");
    copy(state.stateContent(room, "m.room.join_rules", ""), "join_rule", e, "join_rule");
    return e;
  }

  private static void copy(JsonNode content, String field, ObjectNode to, String as) {
    if (content != null && content.path(field).isTextual() && !content.path(field).asText().isEmpty()) {
      to.put(as, content.path(field).asText());
    }
  }

  private static int intOr(String value, int fallback) {
    if (value == null || value.isBlank()) {
      return fallback;
    }
    try {
      return Integer.parseInt(value.strip());
    } catch (NumberFormatException e) {
      throw MatrixException.invalidParam("Invalid number: " + value);
    }
  }
}
