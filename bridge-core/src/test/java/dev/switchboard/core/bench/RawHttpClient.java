package dev.switchboard.core.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** One keep-alive HTTP/1.1 connection sending prepared requests: a load generator that costs almost no CPU. */
final class RawHttpClient implements AutoCloseable {
  private final Socket socket;
  private final OutputStream out;
  private final InputStream in;
  private final byte[] buffer = new byte[64 * 1024];

  RawHttpClient(int port) throws IOException {
    socket = new Socket("127.0.0.1", port);
    socket.setTcpNoDelay(true);
    out = socket.getOutputStream();
    in = socket.getInputStream();
  }

  static byte[] put(String path, String token, String body) {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    String head = "PUT " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token
        + "\r\nContent-Type: application/json\r\nContent-Length: " + b.length + "\r\n\r\n";
    byte[] h = head.getBytes(StandardCharsets.US_ASCII);
    byte[] all = new byte[h.length + b.length];
    System.arraycopy(h, 0, all, 0, h.length);
    System.arraycopy(b, 0, all, h.length, b.length);
    return all;
  }

  /** Sends one request and reads the whole response; returns its status. */
  int exchange(byte[] request) throws IOException {
    out.write(request);
    out.flush();
    int filled = 0;
    int headerEnd = -1;
    while (headerEnd < 0) {
      int n = in.read(buffer, filled, buffer.length - filled);
      if (n < 0) {
        throw new IOException("connection closed");
      }
      filled += n;
      headerEnd = indexOfBlankLine(filled);
    }
    String head = new String(buffer, 0, headerEnd, StandardCharsets.US_ASCII);
    int status = Integer.parseInt(head.substring(9, 12));
    int length = 0;
    for (String line : head.split("\r\n")) {
      if (line.regionMatches(true, 0, "content-length:", 0, 15)) {
        length = Integer.parseInt(line.substring(15).trim());
      }
    }
    int have = filled - (headerEnd + 4);
    while (have < length) {
      int n = in.read(buffer, 0, buffer.length);
      if (n < 0) {
        throw new IOException("connection closed");
      }
      have += n;
    }
    return status;
  }

  private int indexOfBlankLine(int filled) {
    for (int i = 0; i + 3 < filled; i++) {
      if (buffer[i] == '\r' && buffer[i + 1] == '\n' && buffer[i + 2] == '\r' && buffer[i + 3] == '\n') {
        return i;
      }
    }
    return -1;
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
