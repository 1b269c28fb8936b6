package dev.switchboard.irc.network;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * TLS in front of a plain-text IRC server for tests (the testkit's ngircd listens without TLS): a self-signed
 * certificate made with {@code openssl}, a TLS listener on a free loopback port that pipes each connection to the
 * IRC server, and a record of the client certificates presented (for CertFP) and of failed handshakes.
 */
final class TlsFront implements AutoCloseable {
  final Path certPem;
  final String fingerprint;
  final List<String> clientFingerprints = new CopyOnWriteArrayList<>();
  final List<String> failedHandshakes = new CopyOnWriteArrayList<>();
  private final SSLServerSocket listener;
  private final Thread acceptor;

  private TlsFront(Path certPem, String fingerprint, SSLServerSocket listener, String host, int port) {
    this.certPem = certPem;
    this.fingerprint = fingerprint;
    this.listener = listener;
    this.acceptor = new Thread(() -> accept(host, port), "tls-front");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** A self-signed key pair: {@code <name>.pem} (certificate) and {@code <name>.key} (PKCS#8 key) in {@code dir}. */
  static void selfSigned(Path dir, String name) throws Exception {
    run(dir, "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out",
        name + ".pem", "-subj", "/CN=" + name, "-days", "2");
  }

  static String fingerprintOf(Path pem) throws Exception {
    try (InputStream in = Files.newInputStream(pem)) {
      X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
    }
  }

  static TlsFront start(Path dir, String ircHost, int ircPort) throws Exception {
    selfSigned(dir, "server");
    run(dir, "openssl", "pkcs12", "-export", "-in", "server.pem", "-inkey", "server.key", "-out", "server.p12",
        "-passout", "pass:test");
    KeyStore store = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(dir.resolve("server.p12"))) {
      store.load(in, "test".toCharArray());
    }
    KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keys.init(store, "test".toCharArray());
    SSLContext tls = SSLContext.getInstance("TLS");
    // Any client certificate is welcome: the test only records what was presented, as CertFP servers do.
    tls.init(keys.getKeyManagers(), new TrustManager[] {new X509TrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType) {}

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) {}

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    }}, null);
    SSLServerSocket listener = (SSLServerSocket) tls.getServerSocketFactory()
        .createServerSocket(0, 50, InetAddress.getLoopbackAddress());
    listener.setWantClientAuth(true);
    return new TlsFront(dir.resolve("server.pem"), fingerprintOf(dir.resolve("server.pem")), listener, ircHost,
        ircPort);
  }

  int port() {
    return listener.getLocalPort();
  }

  private void accept(String host, int port) {
    while (!listener.isClosed()) {
      try {
        SSLSocket client = (SSLSocket) listener.accept();
        Thread t = new Thread(() -> serve(client, host, port), "tls-front-conn");
        t.setDaemon(true);
        t.start();
      } catch (IOException closed) {
        return;
      }
    }
  }

  private void serve(SSLSocket client, String host, int port) {
    try {
      client.startHandshake();
      try {
        X509Certificate presented = (X509Certificate) client.getSession().getPeerCertificates()[0];
        clientFingerprints.add(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
            .digest(presented.getEncoded())));
      } catch (javax.net.ssl.SSLPeerUnverifiedException none) {
        // no client certificate
      }
      Socket server = new Socket(host, port);
      pipe(client.getInputStream(), server.getOutputStream(), server);
      pipe(server.getInputStream(), client.getOutputStream(), client);
    } catch (Exception e) {
      failedHandshakes.add(e.toString());
      try {
        client.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }
  }

  private static void pipe(InputStream in, OutputStream out, Socket closeAfter) {
    Thread t = new Thread(() -> {
      try (closeAfter) {
        in.transferTo(out);
      } catch (IOException ignored) {
        // one side closed
      }
    }, "tls-front-pipe");
    t.setDaemon(true);
    t.start();
  }

  private static void run(Path dir, String... command) throws Exception {
    Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException(String.join(" ", command) + " failed: " + output);
    }
  }

  @Override
  public void close() throws IOException {
    listener.close();
  }
}
