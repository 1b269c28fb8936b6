package dev.switchboard.core.media;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What a media link points at: a file of the content repository ({@code mxc://<server>/<media id>}), or the
 * endpoint's own {@link #PROBE}, which {@code switchboard check} fetches to test the way in from outside.
 */
public record MediaTarget(String server, String mediaId) {
  private static final Pattern SERVER = Pattern.compile("[A-Za-z0-9.:\\[\\]-]{1,255}");
  private static final Pattern MEDIA_ID = Pattern.compile("[A-Za-z0-9_-]{1,255}");
  /** Answered by the endpoint itself; {@code _} cannot occur in a server name, so no real file is this. */
  public static final MediaTarget PROBE = new MediaTarget("_probe", "switchboard");

  public MediaTarget {
    if (!(SERVER.matcher(server).matches() || server.equals("_probe")) || !MEDIA_ID.matcher(mediaId).matches()) {
      throw new IllegalArgumentException("not a media server name and id");
    }
  }

  /** The target of {@code mxc://<server>/<media id>}; empty when {@code mxcUri} is not one. */
  public static Optional<MediaTarget> fromMxc(String mxcUri) {
    var m = MediaLinks.MXC.matcher(mxcUri);
    return m.matches() ? Optional.of(new MediaTarget(m.group(1), m.group(2))) : Optional.empty();
  }

  public boolean isProbe() {
    return equals(PROBE);
  }

  @Override
  public String toString() {
    return "mxc://" + server + "/" + mediaId;
  }
}
