package dev.switchboard.app.check;

import dev.switchboard.core.check.CheckResult;
import dev.switchboard.core.check.SelfCheck;
import dev.switchboard.xmpp.component.ComponentSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Opens an XEP-0114 component stream to the XMPP server, completes the SHA-1 handshake with the configured secret,
 * and closes the stream. Only the stream header and one element are read, so text matching is enough here; the
 * connector's real transport parses properly.
 */
public final class XmppComponentProbe implements SelfCheck {
  private static final Pattern STREAM_ID = Pattern.compile("<stream:stream[^>]*\\sid=['\"]([^'\"]+)['\"]");

  private final ComponentSettings component;

  public XmppComponentProbe(ComponentSettings component) {
    this.component = component;
  }

  @Override
  public String name() {
    return "XMPP component " + component.domain() + " (" + component.host() + ":" + component.port() + ")";
  }

  @Override
  public CheckResult run(Duration timeout) {
    String where = component.host() + ":" + component.port();
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(component.host(), component.port()), (int) timeout.toMillis());
      socket.setSoTimeout((int) timeout.toMillis());
      OutputStream out = socket.getOutputStream();
      InputStream in = socket.getInputStream();
      write(out, "<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept' "
          + "xmlns:stream='http://etherx.jabber.org/streams' to='" + component.domain() + "'>");
      StringBuilder received = new StringBuilder();
      Matcher id;
      while (!(id = STREAM_ID.matcher(received)).find()) {
        if (!read(in, received)) {
          return CheckResult.failed("the server closed the stream before its header: " + tail(received),
              "check xmpp.server_host and xmpp.server_port (the server's component port, 5347 by default)");
        }
        if (received.indexOf("<stream:error") >= 0) {
          return streamError(received);
        }
      }
      write(out, "<handshake>" + handshake(id.group(1), component.secret()) + "</handshake>");
      received.setLength(0);
      while (received.indexOf("<handshake") < 0 && received.indexOf("<stream:error") < 0) {
        if (!read(in, received)) {
          return CheckResult.failed("the server closed the stream during the handshake",
              "check xmpp.secret against the server's component_secret for " + component.domain());
        }
      }
      if (received.indexOf("<stream:error") >= 0) {
        return streamError(received);
      }
      write(out, "</stream:stream>");
      return CheckResult.ok("component handshake accepted");
    } catch (SocketTimeoutException e) {
      return CheckResult.failed("no answer from " + where + " within " + timeout.toSeconds() + " s",
          "check xmpp.server_host and xmpp.server_port: they must point at the server's component port");
    } catch (IOException e) {
      return Probes.networkFailure(e, where, "xmpp.server_host and xmpp.server_port");
    }
  }

  private CheckResult streamError(CharSequence received) {
    String text = received.toString();
    if (text.contains("not-authorized")) {
      return CheckResult.failed("the server refused the component secret (not-authorized)",
          "set xmpp.secret to the component_secret of the Component \"" + component.domain()
              + "\" entry in the XMPP server's config");
    }
    if (text.contains("conflict")) {
      // Prosody checks the secret first, then whether the component is already connected.
      return CheckResult.ok("component secret accepted; the component is already connected (the bridge is running)");
    }
    if (text.contains("host-unknown") || text.contains("improper-addressing")) {
      return CheckResult.failed("the server has no component named " + component.domain(),
          "add Component \"" + component.domain() + "\" to the XMPP server's config, or set xmpp.domain to the one "
              + "it has");
    }
    return CheckResult.failed("stream error: " + tail(received), "see the XMPP server's log");
  }

  private static boolean read(InputStream in, StringBuilder into) throws IOException {
    byte[] buffer = new byte[4096];
    int n = in.read(buffer);
    if (n < 0) {
      return false;
    }
    into.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
    return true;
  }

  private static String tail(CharSequence s) {
    String t = s.toString().strip();
    return t.isEmpty() ? "(nothing)" : t.length() > 200 ? t.substring(t.length() - 200) : t;
  }

  private static void write(OutputStream out, String xml) throws IOException {
    out.write(xml.getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  /** XEP-0114: lower-case hex SHA-1 of the stream id followed by the secret. */
  static String handshake(String streamId, String secret) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1")
          .digest((streamId + secret).getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
