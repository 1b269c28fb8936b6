package dev.switchboard.testkit.net;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy in front of a server port that forwards both ways until {@link #pause()}, then holds every byte until
 * {@link #resume()}: a server that accepts connections but answers nothing for a while, as an overloaded IRC or XMPP
 * server looks to the bridge. Nothing is lost; held bytes are forwarded on resume.
 */
public final class PausableProxy implements AutoCloseable {
  private final ServerSocket listener;
  private final String targetHost;
  private final int targetPort;
  private final Object gate = new Object();
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private boolean paused;
  private volatile boolean closed;

  private PausableProxy(String targetHost, int targetPort) throws IOException {
    this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    this.targetHost = targetHost;
    this.targetPort = targetPort;
    Thread acceptor = new Thread(this::acceptLoop, "pausable-proxy-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** A forwarding proxy on a free loopback port in front of {@code targetHost:targetPort}. */
  public static PausableProxy inFrontOf(String targetHost, int targetPort) throws IOException {
    return new PausableProxy(targetHost, targetPort);
  }

  /** The same, holding everything from the start until {@link #resume()}. */
  public static PausableProxy pausedInFrontOf(String targetHost, int targetPort) throws IOException {
    PausableProxy proxy = new PausableProxy(targetHost, targetPort);
    proxy.pause();
    return proxy;
  }

  public String host() {
    return listener.getInetAddress().getHostAddress();
  }

  public int port() {
    return listener.getLocalPort();
  }

  /** Holds all traffic, both ways, on every connection, until {@link #resume()}. */
  public void pause() {
    synchronized (gate) {
      paused = true;
    }
  }

  /** Forwards what was held and everything after. */
  public void resume() {
    synchronized (gate) {
      paused = false;
      gate.notifyAll();
    }
  }

  /**
   * Closes every connection open now, throwing away what a pause held (bytes the client wrote that the server never
   * sees: a server that swallowed them), then resumes; new connections are forwarded as usual.
   */
  public void dropConnections() {
    for (Socket s : sockets) {
      closeQuietly(s);
    }
    sockets.clear();
    resume();
  }

  private void acceptLoop() {
    while (!closed) {
      try {
        Socket client = listener.accept();
        Socket upstream;
        try {
          upstream = new Socket(targetHost, targetPort);
        } catch (IOException targetDown) {
          closeQuietly(client); // the server is down: the client sees its connection fail, as without the proxy
          continue;
        }
        sockets.add(client);
        sockets.add(upstream);
        pump(client, upstream);
        pump(upstream, client);
      } catch (IOException e) {
        if (closed) {
          return;
        }
      }
    }
  }

  private void pump(Socket from, Socket to) {
    Thread t = new Thread(() -> {
      byte[] buf = new byte[8192];
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        int n;
        while ((n = in.read(buf)) >= 0) {
          awaitOpen();
          out.write(buf, 0, n);
          out.flush();
        }
      } catch (IOException | InterruptedException e) {
        // one side closed: close the other
      } finally {
        closeQuietly(from);
        closeQuietly(to);
      }
    }, "pausable-proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  private void awaitOpen() throws InterruptedException {
    synchronized (gate) {
      while (paused && !closed) {
        gate.wait();
      }
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }

  @Override
  public void close() {
    closed = true;
    resume();
    try {
      listener.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    sockets.forEach(PausableProxy::closeQuietly);
  }
}
