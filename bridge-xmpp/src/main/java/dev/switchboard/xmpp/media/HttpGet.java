package dev.switchboard.xmpp.media;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * One HTTP/1.1 GET to an address we already resolved and checked, with the URL's host in the {@code Host} header
 * and, for https, in SNI and the certificate check. The JDK's HttpClient resolves the host itself (a second look-up
 * a rebinding DNS server could answer with an internal address) and its timeout ends with the headers; here every
 * read waits at most until the one deadline, so the whole transfer ends by then.
 */
final class HttpGet {
  private static final int MAX_LINE = 8 * 1024;
  private static final int MAX_HEADERS = 100;
  private static final int CONNECT_TIMEOUT_MS = 10_000;

  private HttpGet() {}

  /** Status, headers (lower-case names, last value wins), and up to {@code maxBytes} of body. */
  record Response(int status, Map<String, String> headers, byte[] body, boolean tooLarge) {
    String header(String name) {
      return headers.get(name);
    }
  }

  static Response get(URI uri, InetAddress address, long until, long maxBytes) throws IOException {
    boolean tls = "https".equalsIgnoreCase(uri.getScheme());
    int port = uri.getPort() > 0 ? uri.getPort() : tls ? 443 : 80;
    String host = uri.getHost();
    Socket plain = new Socket();
    try {
      plain.connect(new InetSocketAddress(address, port), Math.min(CONNECT_TIMEOUT_MS,
          MediaFetcher.remainingMillis(until)));
      Socket s = tls ? secure(plain, host, port, until) : plain;
      try {
        return exchange(s, uri, host, port, tls, until, maxBytes);
      } finally {
        s.close();
      }
    } finally {
      plain.close();
    }
  }

  private static Socket secure(Socket plain, String host, int port, long until) throws IOException {
    SSLContext context;
    try {
      context = SSLContext.getDefault();
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IOException("no TLS", e);
    }
    SSLSocket ssl = (SSLSocket) context.getSocketFactory().createSocket(plain, host, port, true);
    SSLParameters params = ssl.getSSLParameters();
    params.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name the URL's host
    if (!isIpLiteral(host)) {
      params.setServerNames(List.of(new SNIHostName(host)));
    }
    ssl.setSSLParameters(params);
    ssl.setSoTimeout(MediaFetcher.remainingMillis(until));
    ssl.startHandshake();
    return ssl;
  }

  private static boolean isIpLiteral(String host) {
    return host.startsWith("[") || host.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'));
  }

  private static Response exchange(Socket socket, URI uri, String host, int port, boolean tls, long until,
      long maxBytes) throws IOException {
    String target = (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
        + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
    boolean defaultPort = port == (tls ? 443 : 80);
    // URI has already refused raw spaces and control characters, so nothing here can split the request.
    String request = "GET " + target + " HTTP/1.1\r\n"
        + "Host: " + host + (defaultPort ? "" : ":" + port) + "\r\n"
        + "User-Agent: Switchboard\r\nAccept: */*\r\nAccept-Encoding: identity\r\nConnection: close\r\n\r\n";
    OutputStream out = socket.getOutputStream();
    out.write(request.getBytes(StandardCharsets.US_ASCII));
    out.flush();
    InputStream in = new BufferedInputStream(new DeadlineInputStream(socket, until));
    int status;
    Map<String, String> headers;
    do { // 1xx answers come before the real one
      status = statusOf(line(in));
      headers = headers(in);
    } while (status >= 100 && status < 200);
    if (status != 200) {
      return new Response(status, headers, new byte[0], false);
    }
    long declared = parseLength(headers.get("content-length"));
    if (declared > maxBytes) {
      return new Response(status, headers, new byte[0], true);
    }
    InputStream body = "chunked".equalsIgnoreCase(headers.getOrDefault("transfer-encoding", "").strip())
        ? new Chunked(in) : declared >= 0 ? new Limited(in, declared) : in;
    byte[] bytes = body.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
    return new Response(status, headers, bytes, bytes.length > maxBytes);
  }

  private static int statusOf(String line) throws IOException {
    String[] parts = line.split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
      throw new IOException("not an HTTP/1.x response");
    }
    try {
      return Integer.parseInt(parts[1]);
    } catch (NumberFormatException e) {
      throw new IOException("bad HTTP status");
    }
  }

  private static Map<String, String> headers(InputStream in) throws IOException {
    Map<String, String> headers = new HashMap<>();
    for (int i = 0; ; i++) {
      String line = line(in);
      if (line.isEmpty()) {
        return headers;
      }
      if (i >= MAX_HEADERS) {
        throw new IOException("too many response headers");
      }
      int colon = line.indexOf(':');
      if (colon > 0) {
        headers.put(line.substring(0, colon).strip().toLowerCase(Locale.ROOT), line.substring(colon + 1).strip());
      }
    }
  }

  private static long parseLength(String value) throws IOException {
    if (value == null) {
      return -1;
    }
    try {
      long n = Long.parseLong(value.strip());
      if (n < 0) {
        throw new IOException("bad Content-Length");
      }
      return n;
    } catch (NumberFormatException e) {
      throw new IOException("bad Content-Length");
    }
  }

  /** One line ending in LF (a CR before it dropped), at most {@link #MAX_LINE} bytes, ISO-8859-1. */
  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection closed in the response head");
      }
      if (b == '\n') {
        byte[] bytes = line.toByteArray();
        int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        return new String(bytes, 0, length, StandardCharsets.ISO_8859_1);
      }
      if (line.size() >= MAX_LINE) {
        throw new IOException("response line too long");
      }
      line.write(b);
    }
  }

  /** Socket input whose every read waits at most until the deadline. */
  private static final class DeadlineInputStream extends InputStream {
    private final Socket socket;
    private final InputStream in;
    private final long until;

    DeadlineInputStream(Socket socket, long until) throws IOException {
      this.socket = socket;
      this.in = socket.getInputStream();
      this.until = until;
    }

    @Override
    public int read() throws IOException {
      socket.setSoTimeout(MediaFetcher.remainingMillis(until));
      return in.read();
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      socket.setSoTimeout(MediaFetcher.remainingMillis(until));
      return in.read(b, off, len);
    }
  }

  /** A body of exactly {@code length} bytes. */
  private static final class Limited extends InputStream {
    private final InputStream in;
    private long left;

    Limited(InputStream in, long length) {
      this.in = in;
      this.left = length;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (left <= 0) {
        return -1;
      }
      int n = in.read(b, off, (int) Math.min(len, left));
      if (n < 0) {
        throw new IOException("connection closed before the end of the body");
      }
      left -= n;
      return n;
    }
  }

  /** RFC 9112 § 7.1 chunked transfer coding (extensions and trailers ignored). */
  private static final class Chunked extends InputStream {
    private final InputStream in;
    private long left;
    private boolean done;

    Chunked(InputStream in) {
      this.in = in;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (done) {
        return -1;
      }
      if (left == 0) {
        String size = line(in);
        int semi = size.indexOf(';');
        try {
          left = Long.parseLong((semi < 0 ? size : size.substring(0, semi)).strip(), 16);
        } catch (NumberFormatException e) {
          throw new IOException("bad chunk size");
        }
        if (left < 0) {
          throw new IOException("bad chunk size");
        }
        if (left == 0) {
          done = true;
          return -1;
        }
      }
      int n = in.read(b, off, (int) Math.min(len, left));
      if (n < 0) {
        throw new IOException("connection closed in a chunk");
      }
      left -= n;
      if (left == 0) {
        line(in); // the CRLF after the chunk
      }
      return n;
    }
  }
}
