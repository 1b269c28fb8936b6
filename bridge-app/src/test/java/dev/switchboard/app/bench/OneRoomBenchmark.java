package dev.switchboard.app.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.app.fault.BridgeProcess;
import dev.switchboard.testkit.homeserver.TestHomeserver;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.testkit.irc.IrcTestUser;
import dev.switchboard.testkit.irc.NgircdServer;
import dev.switchboard.testkit.xmpp.ProsodyServer;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.jivesoftware.smack.ConnectionConfiguration.SecurityMode;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.jivesoftware.smack.tcp.XMPPTCPConnectionConfiguration;
import org.jivesoftware.smackx.muc.MultiUserChat;
import org.jivesoftware.smackx.muc.MultiUserChatManager;
import org.jxmpp.jid.EntityBareJid;
import org.jxmpp.jid.impl.JidCreate;
import org.jxmpp.jid.parts.Resourcepart;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 19, goal 1: one sender at {@code rate} lines a second into one room, IRC → Matrix (real ngircd) and XMPP →
 * Matrix (real Prosody), through the bridge (a child JVM with the sample config, {@link BridgeProcess}) to the
 * testkit homeserver, which answers every {@code /send/} after 50–60 ms, as a loaded Synapse does. In the same run,
 * against the same homeserver and the same delay, a minimal concurrent sender ({@link Reference}: it reads the same
 * lines as an IRC client or MUC occupant and PUTs each at once, no queue, no store, no order) gives the limit of the
 * setting. Latency is from the line's send at the remote client to its event being stored at the homeserver (the
 * test JVM's clock on both ends); a line inside a multi-line event arrives with that event. Prints, and appends to
 * {@code target/one-room-benchmark.txt}, p50/p99, lines arrived, lost, duplicated and reordered, and events, for
 * both; asserts nothing about speed.
 *
 * <p>{@code nice -n -15 ./mvnw -B -q -o -pl bridge-app -am verify -Dswitchboard.bench=true -Dtest=OneRoomBenchmark
 * -Dsurefire.failIfNoSpecifiedTests=false}, with {@code -Dswitchboard.bench.seconds=S} (60), {@code .rate=R} (20),
 * {@code .delay.min=MS} (50), {@code .delay.max=MS} (60); or, with {@code .delay.p99=MS}, a long-tailed delay instead
 * (log-normal, median {@code .delay.min}, that 99th percentile), shaped like the send latency of the loaded Synapse
 * the issue measured.
 */
@EnabledIfSystemProperty(named = "switchboard.bench", matches = "true")
class OneRoomBenchmark {
  private static final Duration WAIT = Duration.ofSeconds(120);
  private static final int SECONDS = Integer.getInteger("switchboard.bench.seconds", 60);
  private static final int RATE = Integer.getInteger("switchboard.bench.rate", 20);
  private static final Duration DELAY_MIN = Duration.ofMillis(Integer.getInteger("switchboard.bench.delay.min", 50));
  private static final Duration DELAY_MAX = Duration.ofMillis(Integer.getInteger("switchboard.bench.delay.max", 60));
  /** 0: the even delay from min to max; else the 99th percentile of a log-normal delay with median min. */
  private static final int DELAY_P99 = Integer.getInteger("switchboard.bench.delay.p99", 0);
  private static final String CHANNEL = "#one";
  private static final String MUC = "one@" + ProsodyServer.MUC;
  private static final Path REPORT = Path.of("target", "one-room-benchmark.txt");

  @TempDir
  Path dir;

  @Test
  void ircToMatrix() throws Exception {
    try (NgircdServer ircd = NgircdServer.start(); TestHomeserver hs = BridgeProcess.homeserver();
        BridgeProcess bridge = BridgeProcess.configure(dir, hs, cfg -> ircNetwork(cfg, ircd)).start();
        IrcTestUser alice = IrcTestUser.connect(ircd, "alice");
        IrcTestUser stand = IrcTestUser.connect(ircd, "reference")) {
      alice.join(CHANNEL);
      stand.join(CHANNEL);
      String portal = hs.user("bob").join("#_irc_test_" + CHANNEL + ":" + hs.serverName());
      String ghost = "@_irc_test_alice:" + hs.serverName();
      warmUp(hs, bridge, portal, ghost, line -> alice.say(CHANNEL, line));

      Reference reference = Reference.in(hs);
      Thread reader = new Thread(() -> stand.awaitLineOrNull(l -> {
        if (IrcTestUser.untagged(l).startsWith(":alice!") && IrcTestUser.command(l).equals("PRIVMSG")) {
          reference.put(l.substring(l.indexOf(" :", l.indexOf(" PRIVMSG ")) + 2));
        }
        return false;
      }, Duration.ofDays(1)), "one-room-reference-irc");
      reader.setDaemon(true);
      reader.start();
      measure("IRC -> Matrix", hs, bridge, ghost, portal, reference, line -> alice.say(CHANNEL, line));
      reader.interrupt();
    }
  }

  @Test
  void xmppToMatrix() throws Exception {
    try (ProsodyServer prosody = ProsodyServer.start("info"); TestHomeserver hs = BridgeProcess.homeserver();
        BridgeProcess bridge = BridgeProcess.configure(dir, hs, cfg -> xmppComponent(cfg, prosody)).start()) {
      XMPPTCPConnection carol = xmppLogin(prosody, "carol");
      XMPPTCPConnection stand = xmppLogin(prosody, "reference");
      try {
        EntityBareJid muc = JidCreate.entityBareFrom(MUC);
        MultiUserChatManager.getInstanceFor(carol).getMultiUserChat(muc).create(Resourcepart.from("carol"))
            .makeInstant();
        TestUser alice = hs.user("alice");
        String portal = alice.join("#_xmpp_one_" + ProsodyServer.MUC + ":" + hs.serverName());
        String ghost = "@_xmpp_one=40" + ProsodyServer.MUC + "/carol:" + hs.serverName();
        MultiUserChat carolIn = MultiUserChatManager.getInstanceFor(carol).getMultiUserChat(muc);
        Reference reference = Reference.in(hs);
        MultiUserChat standIn = MultiUserChatManager.getInstanceFor(stand).getMultiUserChat(muc);
        standIn.addMessageListener(m -> {
          if (m.getBody() != null && "carol".equals(m.getFrom().getResourceOrEmpty().toString())) {
            reference.put(m.getBody());
          }
        });
        standIn.join(Resourcepart.from("reference"));
        warmUp(hs, bridge, portal, ghost, carolIn::sendMessage);
        measure("XMPP -> Matrix", hs, bridge, ghost, portal, reference, carolIn::sendMessage);
      } finally {
        carol.disconnect();
        stand.disconnect();
      }
    }
  }

  /** The bridge joins the remote room once the portal exists: says a warm-up line until one is bridged. */
  private static void warmUp(TestHomeserver hs, BridgeProcess bridge, String portal, String ghost, Sayer warm)
      throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (hs.timeline(portal).stream().noneMatch(e -> ghost.equals(e.path("sender").asText()))) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the portal never got the warm-up; bridge log:\n" + bridge.logTail());
      }
      warm.say("warm-up");
      Thread.sleep(1_000);
    }
  }

  /** Says numbered lines at {@link #RATE} for {@link #SECONDS}, waits for both rooms to settle, and reports. */
  private void measure(String path, TestHomeserver hs, BridgeProcess bridge, String ghost, String portal,
      Reference reference, Sayer say) throws Exception {
    Arrivals bridged = new Arrivals();
    Arrivals direct = new Arrivals();
    hs.onEvent(e -> {
      if (e.path("type").asText().equals("m.room.message")) {
        String room = e.path("room_id").asText();
        String body = e.path("content").path("body").asText();
        if (room.equals(portal) && e.path("sender").asText().equals(ghost)) {
          bridged.event(body);
        } else if (room.equals(reference.room)) {
          direct.event(body);
        }
      }
    });
    if (DELAY_P99 > 0) {
      hs.faults().next(Integer.MAX_VALUE).matching("/send/").delaySkewed(DELAY_MIN, Duration.ofMillis(DELAY_P99));
    } else {
      hs.faults().next(Integer.MAX_VALUE).matching("/send/").delay(DELAY_MIN, DELAY_MAX);
    }
    int n = SECONDS * RATE;
    long[] sentAt = new long[n];
    long start = System.nanoTime();
    for (int i = 0; i < n; i++) {
      long due = start + (long) i * 1_000_000_000L / RATE;
      long wait = due - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      }
      sentAt[i] = System.nanoTime();
      say.say("line " + i);
    }
    long deadline = System.nanoTime() + WAIT.toNanos();
    while ((bridged.count() < n || direct.count() < n) && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }
    Thread.sleep(2_000); // duplicates, if any, arrive
    String report = String.format(Locale.ROOT,
        "%s, one sender at %d/s for %d s (%d lines), homeserver /send/ delay %s, load average %.2f:%n"
            + "  Switchboard: %s%n  reference:   %s%n",
        path, RATE, SECONDS, n, DELAY_P99 > 0
            ? "log-normal, median " + DELAY_MIN.toMillis() + " ms, p99 " + DELAY_P99 + " ms"
            : DELAY_MIN.toMillis() + "-" + DELAY_MAX.toMillis() + " ms",
        ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(), bridged.summary(sentAt),
        direct.summary(sentAt));
    System.out.print(report);
    Files.writeString(REPORT, report, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    if (bridged.count() < n) {
      System.out.println(bridge.logTail());
    }
  }

  @FunctionalInterface
  private interface Sayer {
    void say(String line) throws Exception;
  }

  /**
   * The minimal concurrent sender: each line it reads is PUT to its own room on the same homeserver at once, on
   * HTTP/1.1 connections from the JDK client's pool, whatever is still in flight: no queue, no durability, no order.
   */
  private static final class Reference {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final String base;
    private final String token;
    final String room;
    private final AtomicLong txn = new AtomicLong();

    private Reference(String base, String token, String room) {
      this.base = base;
      this.token = token;
      this.room = room;
    }

    static Reference in(TestHomeserver hs) {
      TestUser user = hs.user("reference");
      return new Reference(hs.baseUrl(), user.accessToken(), user.createRoom());
    }

    void put(String line) {
      ObjectNode content = JSON.createObjectNode().put("msgtype", "m.text").put("body", line);
      URI uri = URI.create(base + "/_matrix/client/v3/rooms/" + URLEncoder.encode(room, StandardCharsets.UTF_8)
          + "/send/m.room.message/ref" + txn.incrementAndGet());
      http.sendAsync(HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + token)
          .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(content.toString()))
          .build(), HttpResponse.BodyHandlers.discarding());
    }
  }

  /** The numbered lines a room got, in the order the homeserver stored them (a multi-line body counts per line). */
  private static final class Arrivals {
    private final List<Long> firstAt = new ArrayList<>();
    private final List<Integer> order = new ArrayList<>();
    private int duplicates;
    private int reordered;
    private int events;
    private int highest = -1;

    synchronized void event(String body) {
      long now = System.nanoTime();
      boolean counted = false;
      for (String line : body.split("\n")) {
        if (!line.startsWith("line ")) {
          continue;
        }
        int k = Integer.parseInt(line.substring(5));
        counted = true;
        while (firstAt.size() <= k) {
          firstAt.add(null);
        }
        if (firstAt.get(k) != null) {
          duplicates++;
          continue;
        }
        firstAt.set(k, now);
        order.add(k);
        if (k < highest) {
          reordered++;
        }
        highest = Math.max(highest, k);
      }
      if (counted) {
        events++;
      }
    }

    synchronized int count() {
      return order.size();
    }

    synchronized String summary(long[] sentAt) {
      List<Double> ms = new ArrayList<>();
      for (int k = 0; k < firstAt.size() && k < sentAt.length; k++) {
        if (firstAt.get(k) != null) {
          ms.add((firstAt.get(k) - sentAt[k]) / 1e6);
        }
      }
      ms.sort(Double::compare);
      return String.format(Locale.ROOT,
          "p50 %.1f ms, p99 %.1f ms, max %.1f ms; %d lines arrived in %d events, %d lost, %d duplicated, "
              + "%d reordered", percentile(ms, 50), percentile(ms, 99), ms.isEmpty() ? Double.NaN : ms.get(ms.size() - 1),
          ms.size(), events, sentAt.length - ms.size(), duplicates, reordered);
    }

    private static double percentile(List<Double> sorted, int p) {
      return sorted.isEmpty() ? Double.NaN
          : sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
    }
  }

  private static void ircNetwork(ObjectNode cfg, NgircdServer ircd) {
    // Only the server is ours; everything else is the sample config's default.
    cfg.putObject("irc").put("enabled", true).putObject("networks").putObject("test").put("host", ircd.host())
        .put("port", ircd.port()).put("tls", false).put("nick", "switchboard");
  }

  private static void xmppComponent(ObjectNode cfg, ProsodyServer prosody) {
    cfg.putObject("xmpp").put("enabled", true).put("domain", ProsodyServer.COMPONENT)
        .put("secret", prosody.componentSecret()).put("server_host", "127.0.0.1")
        .put("server_port", prosody.componentPort());
  }

  private static XMPPTCPConnection xmppLogin(ProsodyServer prosody, String user) throws Exception {
    prosody.createUser(user, "pw-" + user);
    XMPPTCPConnection c = new XMPPTCPConnection(XMPPTCPConnectionConfiguration.builder()
        .setXmppDomain(ProsodyServer.HOST).setHost("127.0.0.1").setPort(prosody.c2sPort())
        .setUsernameAndPassword(user, "pw-" + user).setResource("bench")
        .setSecurityMode(SecurityMode.disabled).build());
    c.connect().login();
    return c;
  }
}
