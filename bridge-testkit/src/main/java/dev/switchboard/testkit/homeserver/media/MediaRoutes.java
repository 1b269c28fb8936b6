package dev.switchboard.testkit.homeserver.media;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.switchboard.testkit.homeserver.MatrixException;
import dev.switchboard.testkit.homeserver.http.Call;
import dev.switchboard.testkit.homeserver.http.HttpResponse;
import dev.switchboard.testkit.homeserver.http.Router;
import dev.switchboard.testkit.homeserver.state.ServerState;
import java.util.List;
import java.util.Map;

/** The content repository: upload, and download through the authenticated (v1) and legacy (v3) paths. */
public final class MediaRoutes {
  private final ServerState state;

  public MediaRoutes(ServerState state) {
    this.state = state;
  }

  public void register(Router router) {
    for (String prefix : List.of("/_matrix/media/v3", "/_matrix/media/r0")) {
      router.add("POST", prefix + "/upload", this::upload);
      // Unauthenticated downloads, frozen in Matrix 1.11 but still served by Synapse for old media clients.
      router.add("GET", prefix + "/download/{serverName}/{mediaId}", c -> download(c, false));
      router.add("GET", prefix + "/download/{serverName}/{mediaId}/{fileName}", c -> download(c, false));
    }
    router.add("GET", "/_matrix/client/v1/media/download/{serverName}/{mediaId}", c -> download(c, true));
    router.add("GET", "/_matrix/client/v1/media/download/{serverName}/{mediaId}/{fileName}", c -> download(c, true));
  }

  private HttpResponse upload(Call c) {
    c.requester();
    String type = c.request().header("content-type");
    ServerState.Media media = state.locked(() -> state.putMedia(type == null ? "application/octet-stream" : type,
        c.query("filename"), c.request().body()));
    return HttpResponse.ok(JsonNodeFactory.instance.objectNode()
        .put("content_uri", "mxc://" + state.serverName() + "/" + media.mediaId()));
  }

  private HttpResponse download(Call c, boolean authenticated) {
    if (authenticated) {
      c.requester();
    }
    ServerState.Media media = state.locked(() -> state.serverName().equals(c.param("serverName"))
        ? state.media(c.param("mediaId")) : null);
    if (media == null) {
      throw MatrixException.notFound("Not found");
    }
    String disposition = media.fileName() == null ? "inline" : "inline; filename=\"" + media.fileName() + "\"";
    return new HttpResponse(200, media.contentType(), media.bytes(), Map.of("Content-Disposition", disposition));
  }
}
