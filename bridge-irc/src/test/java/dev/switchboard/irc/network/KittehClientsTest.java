package dev.switchboard.irc.network;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.irc.flood.FloodControl;
import dev.switchboard.irc.flood.ScheduledSendQueue;
import dev.switchboard.irc.membership.NetsplitConfig;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.kitteh.irc.client.library.Client;
import org.kitteh.irc.client.library.defaults.DefaultClient;
import org.kitteh.irc.client.library.defaults.feature.DefaultActorTracker;
import org.kitteh.irc.client.library.feature.network.NetworkHandler;
import org.kitteh.irc.client.library.feature.sending.QueueProcessingThreadSender;
import org.kitteh.irc.client.library.util.HostWithPort;

/**
 * {@link KittehClients#build} initializes the client itself (Kitteh's builder can only make a plain {@code
 * DefaultClient}); it must come out configured exactly as the builder would have made it. Every field of Kitteh's
 * client is compared with a client built by {@code Client.builder()} with the same settings (the code the bridge used
 * before): equal values, or objects of the same class where each build makes its own (managers, queues, locks).
 */
class KittehClientsTest {
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private final OutgoingConnections io = new OutgoingConnections(1);
  private final List<Client> built = new ArrayList<>();

  @AfterEach
  void shutDown() {
    built.forEach(Client::shutdown);
    scheduler.shutdownNow();
    io.close();
  }

  @Test
  void aPuppetOnAPlainServerWithAPasswordIsWhatTheBuilderMakes() throws Exception {
    NetworkConfig network = new NetworkConfig("net", "irc.example.org", 6667, false, Optional.of("server secret"),
        "bot", Optional.empty(), FloodControl.DEFAULT, 3, NetsplitConfig.DEFAULT);
    assertSameConfiguration(network, ConnectionRole.PUPPET);
  }

  @Test
  void aBotWithAPinnedCertificateAndAClientCertificateIsWhatTheBuilderMakes() throws Exception {
    ConnectionSecurity security = new ConnectionSecurity(Optional.of("ab".repeat(32)),
        Optional.of(Path.of("/etc/switchboard/bot.pem")), Optional.of(Path.of("/etc/switchboard/bot.key")),
        Optional.empty());
    NetworkConfig plain = new NetworkConfig("net", "irc.example.org", 6697, true, Optional.empty(), "bot",
        Optional.empty(), FloodControl.DEFAULT, 3, NetsplitConfig.DEFAULT);
    NetworkConfig network = new NetworkConfig(plain.id(), plain.host(), plain.port(), plain.tls(), plain.password(),
        plain.botNick(), plain.channelsAllowed(), plain.flood(), plain.lineLimit(), plain.netsplit(),
        plain.modePowerLevels(), plain.idleTimeout(), plain.reactions(), plain.redactions(), security,
        plain.limits(), plain.linkConfirmation());
    assertSameConfiguration(network, ConnectionRole.BOT);
  }

  private void assertSameConfiguration(NetworkConfig network, ConnectionRole role) throws Exception {
    IrcConnection.Identity identity = new IrcConnection.Identity("alice", "sbalice", "Alice (Matrix)");
    NetworkHandler sockets = io.as("sbalice");
    List<ScheduledSendQueue> queues = new ArrayList<>();
    Client ours = KittehClients.build(network, identity, "alice_", role, scheduler, queues::add, sockets,
        Runnable::run);
    built.add(ours);
    Client theirs = builderClient(network, identity, "alice_", role, sockets);
    built.add(theirs);

    assertThat(ours).isInstanceOf(SharedThreadsClient.class);
    assertThat(queues).hasSize(1).containsExactly((ScheduledSendQueue) field(ours, "messageSendingScheduled"));
    List<String> compared = new ArrayList<>();
    for (Field f : DefaultClient.class.getDeclaredFields()) {
      if (Modifier.isStatic(f.getModifiers()) || f.getName().endsWith("Supplier")) {
        continue; // the suppliers are lambdas; what they supplied is compared (messageSendingScheduled, serverInfo)
      }
      f.setAccessible(true);
      Object a = f.get(ours);
      Object b = f.get(theirs);
      compared.add(f.getName());
      if (f.getName().equals("messageSendingImmediate")) {
        assertThat(a).isInstanceOf(ImmediateLane.class); // the one intended difference
        assertThat(b).isInstanceOf(QueueProcessingThreadSender.class);
      } else if (isValue(a) || isValue(b)) {
        assertThat(String.valueOf(a)).as(f.getName()).isEqualTo(String.valueOf(b));
      } else if (!Objects.equals(a, b)) {
        assertThat(a).as(f.getName()).isNotNull();
        assertThat(a.getClass()).as(f.getName()).isEqualTo(b.getClass());
      }
    }
    assertThat(compared).contains("name", "serverAddress", "serverPassword", "bindAddress", "userString", "realName",
        "goalNick", "secure", "secureKeyCertChain", "secureKey", "secureTrustManagerFactory", "actorTracker",
        "authManager", "capabilityManager", "eventManager", "iSupportManager", "messageTagManager", "serverInfo",
        "defaultMessageMap", "networkHandler", "exceptionListener", "webircPassword", "stsStorageManager");
    assertThat(listenerClasses(ours)).isEqualTo(listenerClasses(theirs)).hasSizeGreaterThan(20);
    assertThat(((Client.WithManagement) ours).getActorTracker())
        .isInstanceOf(role == ConnectionRole.BOT ? DefaultActorTracker.class : SelfOnlyActorTracker.class);
  }

  private static boolean isValue(Object o) {
    return o instanceof String || o instanceof Number || o instanceof Boolean || o instanceof Character
        || o instanceof Path || o instanceof InetSocketAddress || o instanceof HostWithPort || o instanceof Enum<?>;
  }

  private static Set<String> listenerClasses(Client client) {
    return client.getEventManager().getRegisteredEventListeners().stream().map(l -> l.getClass().getName())
        .collect(Collectors.toSet());
  }

  private static Object field(Object client, String name) throws Exception {
    Field f = DefaultClient.class.getDeclaredField(name);
    f.setAccessible(true);
    return f.get(client);
  }

  /** How KittehClients built clients before it initialized them itself. */
  private Client builderClient(NetworkConfig network, IrcConnection.Identity identity, String nick,
      ConnectionRole role, NetworkHandler sockets) {
    Client.Builder.Server server = Client.builder()
        .name(network.id() + ":" + identity.nick())
        .nick(nick)
        .user(identity.user())
        .realName(identity.realName())
        .server()
            .host(network.host())
            .port(network.port(), network.tls() ? Client.Builder.Server.SecurityType.SECURE
                : Client.Builder.Server.SecurityType.INSECURE)
            .password(network.password().orElse(null));
    ConnectionSecurity security = network.security();
    if (network.tls()) {
      security.pinnedTrust().ifPresent(server::secureTrustManagerFactory);
      if (role == ConnectionRole.BOT && security.clientCert().isPresent()) {
        server.secureKeyCertChain(security.clientCert().get()).secureKey(security.clientKey().get());
      }
    }
    Client.Builder builder = server.then()
        .listeners()
            .exception(null)
            .then()
        .management()
            .messageSendingQueueSupplier(c -> new ScheduledSendQueue(network.flood(), scheduler))
            .eventManager(InlineEventManager::new)
            .actorTracker(c -> role == ConnectionRole.BOT ? new DefaultActorTracker(c)
                : new SelfOnlyActorTracker(c))
            .then();
    builder.management().networkHandler(sockets);
    return builder.build();
  }
}
