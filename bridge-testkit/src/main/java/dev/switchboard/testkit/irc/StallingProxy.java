package dev.switchboard.testkit.irc;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

/**
 * A TCP proxy that accepts connections at once but forwards nothing until {@link #release()}: a server that is
 * reachable yet does not answer, as a loaded or half-dead IRC server looks to a client. Bytes the client sends
 * meanwhile wait in the socket and are forwarded on release.
 */
public final class StallingProxy implements AutoCloseable {
  private final ServerSocket listener;
  private final String targetHost;
  private final int targetPort;
  private final CountDownLatch released = new CountDownLatch(1);
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private volatile boolean closed;

  private StallingProxy(String targetHost, int targetPort) throws IOException {
    this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    this.targetHost = targetHost;
    this.targetPort = targetPort;
    Thread acceptor = new Thread(this::acceptLoop, "stalling-proxy-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** A proxy on a free loopback port in front of {@code targetHost:targetPort}, holding until released. */
  public static StallingProxy inFrontOf(String targetHost, int targetPort) throws IOException {
    return new StallingProxy(targetHost, targetPort);
  }

  public String host() {
    return "127.0.0.1";
  }

  public int port() {
    return listener.getLocalPort();
  }

  /** Starts forwarding, for held connections and new ones. */
  public void release() {
    released.countDown();
  }

  private void acceptLoop() {
    while (!closed) {
      try {
        Socket client = listener.accept();
        sockets.add(client);
        Thread t = new Thread(() -> forwardWhenReleased(client), "stalling-proxy-conn");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private void forwardWhenReleased(Socket client) {
    try {
      released.await();
      if (closed) {
        closeQuietly(client);
        return;
      }
      Socket upstream = new Socket(targetHost, targetPort);
      sockets.add(upstream);
      pump(client, upstream);
      pump(upstream, client);
    } catch (IOException | InterruptedException e) {
      closeQuietly(client);
    }
  }

  private void pump(Socket from, Socket to) {
    Thread t = new Thread(() -> {
      byte[] buf = new byte[8192];
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        int n;
        while ((n = in.read(buf)) >= 0) {
          out.write(buf, 0, n);
          out.flush();
        }
      } catch (IOException ignored) {
        // one side closed
      } finally {
        closeQuietly(from);
        closeQuietly(to);
      }
    }, "stalling-proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // already closed
    }
  }

  @Override
  public void close() {
    closed = true;
    released.countDown();
    try {
      listener.close();
    } catch (IOException ignored) {
      // already closed
    }
    sockets.forEach(StallingProxy::closeQuietly);
  }
}
