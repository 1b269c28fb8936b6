package dev.switchboard.testkit.homeserver.media;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.switchboard.testkit.homeserver.MatrixException;
import dev.switchboard.testkit.homeserver.Options;
import dev.switchboard.testkit.homeserver.http.Call;
import dev.switchboard.testkit.homeserver.http.HttpResponse;
import dev.switchboard.testkit.homeserver.http.Router;
import dev.switchboard.testkit.homeserver.http.StreamedBody;
import dev.switchboard.testkit.homeserver.state.ServerState;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The content repository: upload; download and thumbnail through the authenticated (v1, access token required) and
 * legacy (v3) paths, as {@link Options.Media} says; single byte ranges. A thumbnail is the original file, unscaled:
 * tests check which size the bridge asked for ({@code width}, {@code height}, {@code method} are validated and
 * recorded), not image scaling.
 */
public final class MediaRoutes {
  private static final Pattern RANGE = Pattern.compile("bytes=([0-9]{0,18})-([0-9]{0,18})");

  private final ServerState state;
  private final Options.Media options;

  public MediaRoutes(ServerState state, Options.Media options) {
    this.state = state;
    this.options = options;
  }

  public void register(Router router) {
    for (String prefix : List.of("/_matrix/media/v3", "/_matrix/media/r0")) {
      router.add("POST", prefix + "/upload", this::upload);
      // Unauthenticated, frozen in Matrix 1.11; Synapse serves them for media from before authenticated media only.
      router.add("GET", prefix + "/download/{serverName}/{mediaId}", c -> legacy(c, false));
      router.add("GET", prefix + "/download/{serverName}/{mediaId}/{fileName}", c -> legacy(c, false));
      router.add("GET", prefix + "/thumbnail/{serverName}/{mediaId}", c -> legacy(c, true));
    }
    if (options.authenticatedApi()) {
      String v1 = "/_matrix/client/v1/media";
      router.add("GET", v1 + "/download/{serverName}/{mediaId}", c -> authenticated(c, false));
      router.add("GET", v1 + "/download/{serverName}/{mediaId}/{fileName}", c -> authenticated(c, false));
      router.add("GET", v1 + "/thumbnail/{serverName}/{mediaId}", c -> authenticated(c, true));
    }
  }

  /** A file that exists only as a rule (see {@link SyntheticMedia}); its {@code mxc://} URI. */
  public static String putGenerated(ServerState state, StreamedBody body, String contentType, String fileName) {
    ServerState.Media media = state.locked(() -> state.putMedia(contentType, fileName, body));
    return "mxc://" + state.serverName() + "/" + media.mediaId();
  }

  private HttpResponse upload(Call c) {
    c.requester();
    String type = c.request().header("content-type");
    ServerState.Media media = state.locked(() -> state.putMedia(type == null ? "application/octet-stream" : type,
        c.query("filename"), StreamedBody.of(c.request().body())));
    return HttpResponse.ok(JsonNodeFactory.instance.objectNode()
        .put("content_uri", "mxc://" + state.serverName() + "/" + media.mediaId()));
  }

  private HttpResponse legacy(Call c, boolean thumbnail) {
    if (options.authenticatedOnly()) {
      throw MatrixException.notFound("Not found"); // what Synapse says for media uploaded since
    }
    return serve(c, thumbnail);
  }

  private HttpResponse authenticated(Call c, boolean thumbnail) {
    c.requester();
    return serve(c, thumbnail);
  }

  private HttpResponse serve(Call c, boolean thumbnail) {
    if (thumbnail) {
      side(c, "width");
      side(c, "height");
      String method = c.query("method");
      if (method != null && !method.equals("scale") && !method.equals("crop")) {
        throw MatrixException.invalidParam("method must be crop or scale");
      }
    }
    ServerState.Media media = state.locked(() -> state.serverName().equals(c.param("serverName"))
        ? state.media(c.param("mediaId")) : null);
    if (media == null) {
      throw MatrixException.notFound("Not found");
    }
    String disposition = media.fileName() == null ? "inline" : "inline; filename=\"" + media.fileName() + "\"";
    Map<String, String> headers = Map.of("Content-Disposition", disposition);
    long length = media.body().length();
    String range = c.request().header("range");
    Matcher m = range == null || !options.ranges() ? null : RANGE.matcher(range);
    if (m == null || !m.matches() || m.group(1).isEmpty() && m.group(2).isEmpty()) {
      return HttpResponse.streamed(200, media.contentType(), media.body(), 0, length - 1, headers);
    }
    long from;
    long to;
    if (m.group(1).isEmpty()) {
      from = Math.max(0, length - Long.parseLong(m.group(2)));
      to = length - 1;
    } else {
      from = Long.parseLong(m.group(1));
      to = m.group(2).isEmpty() ? length - 1 : Math.min(length - 1, Long.parseLong(m.group(2)));
    }
    if (from >= length || from > to) {
      return HttpResponse.error(new MatrixException(416, "M_UNKNOWN", "Range not satisfiable"))
          .withHeader("Content-Range", "bytes */" + length);
    }
    return HttpResponse.streamed(206, media.contentType(), media.body(), from, to,
        Map.of("Content-Disposition", disposition, "Content-Range", "bytes " + from + "-" + to + "/" + length));
  }

  private static void side(Call c, String name) {
    String value = c.query(name);
    if (value == null) {
      throw new MatrixException(400, "M_MISSING_PARAM", "Missing " + name);
    }
    try {
      if (Integer.parseInt(value) < 1) {
        throw MatrixException.invalidParam(name + " must be positive");
      }
    } catch (NumberFormatException e) {
      throw MatrixException.invalidParam(name + " must be an integer");
    }
  }
}
