package dev.switchboard.testkit.homeserver.aliases;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.testkit.homeserver.MatrixException;
import dev.switchboard.testkit.homeserver.appservice.AppServiceQueries;
import dev.switchboard.testkit.homeserver.http.Call;
import dev.switchboard.testkit.homeserver.http.HttpResponse;
import dev.switchboard.testkit.homeserver.http.Router;
import dev.switchboard.testkit.homeserver.rooms.RoomService;
import dev.switchboard.testkit.homeserver.state.PowerLevels;
import dev.switchboard.testkit.homeserver.state.Requester;
import dev.switchboard.testkit.homeserver.state.Room;
import dev.switchboard.testkit.homeserver.state.ServerState;

/** The room directory: {@code PUT/GET/DELETE /directory/room/{roomAlias}}. */
public final class AliasRoutes {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private final ServerState state;
  private final RoomService rooms;
  private final AppServiceQueries queries;

  public AliasRoutes(ServerState state, RoomService rooms, AppServiceQueries queries) {
    this.state = state;
    this.rooms = rooms;
    this.queries = queries;
  }

  public void register(Router router) {
    router.client("PUT", "/directory/room/{roomAlias}", this::put);
    router.client("GET", "/directory/room/{roomAlias}", this::get);
    router.client("DELETE", "/directory/room/{roomAlias}", this::delete);
  }

  private HttpResponse put(Call c) {
    Requester requester = c.requester();
    String alias = c.param("roomAlias");
    String roomId = c.json().path("room_id").asText(null);
    if (roomId == null) {
      throw new MatrixException(400, "M_MISSING_PARAM", "Missing room_id");
    }
    state.locked(() -> {
      state.requireRoom(roomId);
      if (state.aliasTarget(alias) != null) {
        // Synapse: 409 with M_UNKNOWN.
        throw new MatrixException(409, "M_UNKNOWN", "Room alias " + alias + " already exists");
      }
      rooms.checkAliasAvailable(requester, alias);
      state.putAlias(alias, roomId, requester.userId());
    });
    return HttpResponse.ok(NODES.objectNode());
  }

  private HttpResponse get(Call c) {
    String alias = c.param("roomAlias");
    String roomId = queries.resolveAlias(alias);
    if (roomId == null) {
      throw MatrixException.notFound("Room alias " + alias + " not found");
    }
    ObjectNode body = NODES.objectNode();
    body.put("room_id", roomId);
    body.putArray("servers").add(state.serverName());
    return HttpResponse.ok(body);
  }

  private HttpResponse delete(Call c) {
    Requester requester = c.requester();
    String alias = c.param("roomAlias");
    state.locked(() -> {
      String roomId = state.aliasTarget(alias);
      if (roomId == null) {
        throw MatrixException.notFound("Room alias " + alias + " not found");
      }
      boolean creator = requester.userId().equals(state.aliasCreator(alias));
      boolean owningAs = requester.appService() != null && requester.appService().isInterestedInAlias(alias);
      Room room = state.room(roomId);
      PowerLevels levels = PowerLevels.of(state, room);
      boolean admin = levels.user(requester.userId()) >= levels.event("m.room.canonical_alias", true);
      if (!creator && !owningAs && !admin) {
        throw MatrixException.forbidden("You don't have permission to delete the alias.");
      }
      state.removeAlias(alias);
    });
    return HttpResponse.ok(NODES.objectNode());
  }
}
