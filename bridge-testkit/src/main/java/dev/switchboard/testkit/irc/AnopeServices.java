package dev.switchboard.testkit.irc;

import dev.switchboard.testkit.RealServers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throwaway InspIRCd 3 with Anope 2.0 services linked to it, both on 127.0.0.1: the real server for SASL (InspIRCd's
 * {@code m_sasl} hands the exchange to services) and for accounts ({@code account-tag}, {@code extended-join}, WHOIS
 * 330). Anope runs NickServ with REGISTER, IDENTIFY and CERT, and {@code m_sasl} (PLAIN and EXTERNAL); accounts are
 * made with {@link #register}. Generated configs, free ports, a random link password; a missing InspIRCd or Anope
 * skips locally and fails under CI.
 */
public final class AnopeServices implements IrcServer {
  /** The services server's name, as InspIRCd and Anope know it. */
  public static final String SERVICES_NAME = "services.test.local";

  private static final List<Path> CANDIDATES = List.of(Path.of("/usr/sbin/anope"), Path.of("/usr/bin/anope"),
      Path.of("/usr/local/sbin/anope"));
  private static final Path MODULES = Path.of("/usr/lib/anope");

  private final InspircdServer ircd;
  private final Path dir;
  private final int linkPort;
  private final String linkPassword;
  private final int tlsPort;
  private Process process;

  private AnopeServices(InspircdServer ircd, Path dir, int linkPort, String linkPassword, int tlsPort) {
    this.ircd = ircd;
    this.dir = dir;
    this.linkPort = linkPort;
    this.linkPassword = linkPassword;
    this.tlsPort = tlsPort;
  }

  /** Starts InspIRCd and Anope and returns once services have linked and synced. */
  public static AnopeServices start() throws IOException, InterruptedException {
    return start(false);
  }

  /**
   * As {@link #start()}; with {@code tls}, InspIRCd also listens with TLS on {@link #tlsPort()} ({@code ssl_gnutls},
   * a self-signed certificate made with {@code openssl}: {@link #serverCertificate()}), asks clients for a certificate
   * and passes its SHA-256 fingerprint to services (CertFP, SASL EXTERNAL).
   */
  public static AnopeServices start(boolean tls) throws IOException, InterruptedException {
    Path binary = requireInstalled();
    int linkPort = NgircdServer.freePort();
    byte[] random = new byte[12];
    new SecureRandom().nextBytes(random);
    String linkPassword = HexFormat.of().formatHex(random);
    Path dir = Files.createTempDirectory("anope-");
    int tlsPort = tls ? NgircdServer.freePort() : -1;
    String extra = inspircdLink(linkPort, linkPassword);
    if (tls) {
      openssl(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.pem",
          "-subj", "/CN=" + SERVER_NAME, "-days", "2");
      extra += """
          <module name="ssl_gnutls">
          <sslprofile name="tls" provider="gnutls" certfile="%s" keyfile="%s" hash="sha256" requestclientcert="yes">
          <bind address="127.0.0.1" port="%d" type="clients" sslprofile="tls">
          """.formatted(dir.resolve("server.pem"), dir.resolve("server.key"), tlsPort);
    }
    InspircdServer ircd = InspircdServer.start(extra);
    AnopeServices services = null;
    try {
      services = new AnopeServices(ircd, dir, linkPort, linkPassword, tlsPort);
      services.launch(binary);
      return services;
    } catch (IOException | RuntimeException | InterruptedException e) {
      if (services != null) {
        services.close();
      } else {
        ircd.close();
      }
      throw e;
    }
  }

  private static void openssl(Path dir, String... args) throws IOException, InterruptedException {
    List<String> command = new java.util.ArrayList<>(List.of("openssl"));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException(String.join(" ", command) + " failed: " + output);
    }
  }

  /** The TLS client port (only when started with TLS). */
  public int tlsPort() {
    if (tlsPort < 0) {
      throw new IllegalStateException("started without TLS");
    }
    return tlsPort;
  }

  /** The TLS port's self-signed certificate (PEM), e.g. to pin it. */
  public Path serverCertificate() {
    return dir.resolve("server.pem");
  }

  /**
   * Registers {@code account} over TLS presenting the client certificate {@code certPem} / PKCS#8 RSA key
   * {@code keyPem}, and adds that certificate's fingerprint to the account ({@code NickServ CERT ADD}), so the
   * certificate logs in with SASL EXTERNAL.
   */
  public void registerWithCertificate(String account, String password, Path certPem, Path keyPem) throws Exception {
    java.security.cert.Certificate cert;
    try (var in = Files.newInputStream(certPem)) {
      cert = java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
    String pem = Files.readString(keyPem).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    java.security.PrivateKey key = java.security.KeyFactory.getInstance("RSA")
        .generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(java.util.Base64.getDecoder().decode(pem)));
    java.security.KeyStore store = java.security.KeyStore.getInstance("PKCS12");
    store.load(null, null);
    store.setKeyEntry("client", key, new char[0], new java.security.cert.Certificate[] {cert});
    javax.net.ssl.KeyManagerFactory keys = javax.net.ssl.KeyManagerFactory.getInstance(
        javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
    keys.init(store, new char[0]);
    // A test server's self-signed certificate: this throwaway client trusts it without checking.
    javax.net.ssl.TrustManager trustAll = new javax.net.ssl.X509TrustManager() {
      @Override
      public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String authType) {}

      @Override
      public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String authType) {}

      @Override
      public java.security.cert.X509Certificate[] getAcceptedIssuers() {
        return new java.security.cert.X509Certificate[0];
      }
    };
    javax.net.ssl.SSLContext tls = javax.net.ssl.SSLContext.getInstance("TLS");
    tls.init(keys.getKeyManagers(), new javax.net.ssl.TrustManager[] {trustAll}, new SecureRandom());
    try (javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket) tls.getSocketFactory()
        .createSocket("127.0.0.1", tlsPort())) {
      socket.setSoTimeout(30_000);
      var out = socket.getOutputStream();
      var in = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
          StandardCharsets.UTF_8));
      java.util.function.Consumer<String> send = line -> {
        try {
          out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
          out.flush();
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      };
      send.accept("NICK " + account);
      send.accept("USER " + account + " 0 * :test user " + account);
      awaitLine(in, send, l -> l.split(" ").length > 1 && l.split(" ")[1].equals("001"));
      send.accept("PRIVMSG NickServ :REGISTER " + password + " " + account + "@example.org");
      awaitLine(in, send, l -> l.startsWith(":NickServ!") && l.contains("registered"));
      send.accept("PRIVMSG NickServ :CERT ADD");
      awaitLine(in, send, l -> l.startsWith(":NickServ!") && l.contains("added to"));
      send.accept("QUIT :registered");
    }
  }

  private static void awaitLine(java.io.BufferedReader in, java.util.function.Consumer<String> send,
      java.util.function.Predicate<String> wanted) throws IOException {
    String line;
    while ((line = in.readLine()) != null) {
      if (line.startsWith("PING ")) {
        send.accept("PONG " + line.substring(5));
      } else if (wanted.test(line)) {
        return;
      }
    }
    throw new IOException("connection closed before the expected line");
  }

  /** The Anope binary, or skips (locally) / fails (CI) the calling test when it is not installed. */
  public static Path requireInstalled() {
    InspircdServer.requireInstalled();
    Path binary = CANDIDATES.stream().filter(Files::isExecutable).findFirst().orElse(null);
    RealServers.require("anope", binary != null && Files.isDirectory(MODULES.resolve("modules")),
        "apt-get install -y --no-install-recommends anope");
    return binary;
  }

  private static String inspircdLink(int linkPort, String password) {
    // m_sasl sends the exchange to the services server; services_account gives accounts (+r, WHOIS 330,
    // account-notify, extended-join through the ircv3 module); ircv3_accounttag, ircv3_echomessage and ircv3_batch
    // add those IRCv3 capabilities; hidechans, svshold, chghost and sslinfo are what Anope's inspircd3 protocol
    // module expects.
    return """
        <bind address="127.0.0.1" port="%d" type="servers">
        <module name="spanningtree">
        <module name="services_account">
        <module name="sasl">
        <module name="hidechans">
        <module name="svshold">
        <module name="chghost">
        <module name="sslinfo">
        <module name="ircv3_accounttag">
        <module name="ircv3_echomessage">
        <module name="ircv3_batch">
        <link name="%s" ipaddr="127.0.0.1" port="%d" allowmask="127.0.0.1" sendpass="%s" recvpass="%s">
        <uline server="%s" silent="yes">
        <sasl target="%s">
        """.formatted(linkPort, SERVICES_NAME, linkPort, password, password, SERVICES_NAME, SERVICES_NAME);
  }

  private String anopeConfig() {
    // casemap must match InspIRCd's (rfc1459). No e-mail, no registration delays, no kill protection: tests
    // register accounts and log in at once. retrywait is short so that an ircd restart relinks quickly.
    return """
        uplink { host = "127.0.0.1"; ipv6 = no; ssl = no; port = %d; password = "%s"; }
        serverinfo { name = "%s"; description = "Test services"; id = "7SV"; pid = "%s"; motd = "%s"; }
        module { name = "inspircd3"; use_server_side_mlock = yes; use_server_side_topiclock = yes; }
        networkinfo { networkname = "Test"; nicklen = 31; userlen = 10; hostlen = 64; chanlen = 32;
          modelistsize = 100; vhost_chars = "abcdefghijklmnopqrstuvwxyz0123456789.-";
          allow_undotted_vhosts = false; disallow_start_or_end = ".-"; }
        options { casemap = "rfc1459"; strictpasswords = no; badpasslimit = 0; badpasstimeout = 1h;
          updatetimeout = 5m; expiretimeout = 30m; readtimeout = 5s; warningtimeout = 4h; timeoutcheck = 3s;
          retrywait = 2s; hideprivilegedcommands = yes; hideregisteredcommands = yes; seed = 2871423; }
        log { target = "services.log"; admin = "*"; commands = "*"; servers = "*";
          users = "connect disconnect nick"; other = "*"; rawio = no; debug = no; }
        mail { usemail = no; }
        service { nick = "NickServ"; user = "services"; host = "%s"; gecos = "Nickname Registration Service"; }
        module { name = "nickserv"; client = "NickServ"; forceemail = no; defaults = "ns_secure"; expire = 21d; }
        module { name = "ns_register"; registration = "none"; }
        module { name = "ns_identify"; }
        module { name = "ns_cert"; max = 5; }
        module { name = "ns_info"; }
        command { service = "NickServ"; name = "REGISTER"; command = "nickserv/register"; }
        command { service = "NickServ"; name = "IDENTIFY"; command = "nickserv/identify"; }
        command { service = "NickServ"; name = "CERT"; command = "nickserv/cert"; }
        command { service = "NickServ"; name = "INFO"; command = "nickserv/info"; }
        module { name = "m_sasl"; }
        module { name = "db_flatfile"; database = "anope.db"; keepbackups = 0; fork = no; }
        module { name = "enc_sha256"; }
        """.formatted(linkPort, linkPassword, SERVICES_NAME, dir.resolve("anope.pid"), dir.resolve("motd"),
        SERVICES_NAME);
  }

  private void launch(Path binary) throws IOException, InterruptedException {
    for (String sub : List.of("conf", "data", "logs")) {
      Files.createDirectories(dir.resolve(sub));
    }
    Files.writeString(dir.resolve("motd"), "test services\n");
    Files.writeString(dir.resolve("conf/services.conf"), anopeConfig(), StandardCharsets.UTF_8);
    process = new ProcessBuilder(binary.toString(), "--nofork", "--confdir=" + dir.resolve("conf"),
        "--dbdir=" + dir.resolve("data"), "--logdir=" + dir.resolve("logs"), "--modulesdir=" + MODULES)
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("stdout.log").toFile())
        .start();
    awaitSynced(Duration.ofSeconds(60));
  }

  private void awaitSynced(Duration timeout) throws IOException, InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    String synced = SERVICES_NAME + " (Test services) is done syncing";
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new IOException("anope exited with " + process.exitValue() + ": " + log());
      }
      if (anopeLog().contains(synced)) {
        return;
      }
      Thread.sleep(100);
    }
    throw new IOException("anope did not link to inspircd within " + timeout + ": " + log());
  }

  /**
   * Registers {@code account} with {@code password} through NickServ (a client connects as that nick, sends
   * {@code REGISTER} and waits for NickServ's confirmation), then disconnects.
   */
  public void register(String account, String password) throws IOException {
    try (IrcTestUser user = IrcTestUser.connect(this, account)) {
      user.send("PRIVMSG NickServ :REGISTER " + password + " " + account + "@example.org");
      user.awaitLine(l -> IrcTestUser.untagged(l).startsWith(":NickServ!") && l.contains(" NOTICE ")
          && l.contains("registered"), Duration.ofSeconds(30));
    }
  }

  private String anopeLog() {
    try {
      return Files.exists(dir.resolve("stdout.log")) ? Files.readString(dir.resolve("stdout.log")) : "";
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  @Override
  public String log() {
    return ircd.log() + "\n--- anope ---\n" + anopeLog();
  }

  @Override
  public String host() {
    return ircd.host();
  }

  @Override
  public int port() {
    return ircd.port();
  }

  /** Restarts InspIRCd; Anope links again on its own (within a few seconds). */
  @Override
  public void restart() throws IOException, InterruptedException {
    if (tlsPort >= 0) {
      ircd.kill(); // with ssl_gnutls, SIGTERM makes InspIRCd 3 crash and dump core
    }
    ircd.restart();
  }

  @Override
  public void close() {
    if (process != null && process.isAlive()) {
      process.destroy();
      try {
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (tlsPort >= 0) {
      ircd.kill(); // with ssl_gnutls, SIGTERM makes InspIRCd 3 crash and dump core
    }
    ircd.close();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a leftover temp dir is harmless
    }
  }
}
