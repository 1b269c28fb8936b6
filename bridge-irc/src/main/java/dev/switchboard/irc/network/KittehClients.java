package dev.switchboard.irc.network;

import dev.switchboard.irc.flood.ScheduledSendQueue;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;
import javax.net.ssl.TrustManagerFactory;
import org.kitteh.irc.client.library.Client;
import org.kitteh.irc.client.library.defaults.feature.DefaultActorTracker;
import org.kitteh.irc.client.library.defaults.feature.DefaultAuthManager;
import org.kitteh.irc.client.library.defaults.feature.DefaultCapabilityManager;
import org.kitteh.irc.client.library.defaults.feature.DefaultISupportManager;
import org.kitteh.irc.client.library.defaults.feature.DefaultMessageTagManager;
import org.kitteh.irc.client.library.defaults.feature.DefaultServerInfo;
import org.kitteh.irc.client.library.defaults.listener.DefaultListeners;
import org.kitteh.irc.client.library.feature.auth.SaslExternal;
import org.kitteh.irc.client.library.feature.auth.SaslPlain;
import org.kitteh.irc.client.library.feature.network.NetworkHandler;
import org.kitteh.irc.client.library.util.HostWithPort;
import org.kitteh.irc.client.library.util.Sanity;

/**
 * Builds the Kitteh client behind an {@link IrcConnection}: the server and its TLS settings, the shared scheduler for
 * the flood queue, a synchronous event bus, the bridge's own sockets and a shared input lane, so that a connection
 * costs no threads of its own.
 */
final class KittehClients {
  private KittehClients() {}

  /**
   * Builds and initializes the client as Kitteh's {@code Client.builder()} would with these settings (Kitteh 9.0.0's
   * {@code DefaultBuilder.build()}: the same managers, listeners and defaults; {@code KittehClientsTest} compares
   * the two), except that it is a {@link SharedThreadsClient}, which the builder cannot make.
   *
   * @param sendQueues gets the client's flood queue when Kitteh builds it
   * @param sockets opens the client's socket
   * @param input the connection's input lane (see {@link SharedThreadsClient})
   */
  static Client build(NetworkConfig network, IrcConnection.Identity identity, String nick, ConnectionRole role,
      ScheduledExecutorService scheduler, Consumer<ScheduledSendQueue> sendQueues, NetworkHandler sockets,
      Executor input) {
    String name = Sanity.safeMessageCheck(network.id() + ":" + identity.nick(), "Name");
    Sanity.noSpaces(Sanity.safeMessageCheck(nick, "Nick"), "Nick");
    Sanity.noSpaces(Sanity.safeMessageCheck(identity.user(), "User"), "User");
    Sanity.safeMessageCheck(identity.realName(), "Real name");
    ConnectionSecurity security = network.security();
    boolean tls = network.tls();
    TrustManagerFactory trust = tls ? security.pinnedTrust().orElse(null) : null;
    boolean certificate = tls && role == ConnectionRole.BOT && security.clientCert().isPresent();
    SharedThreadsClient client = new SharedThreadsClient(input);
    client.initialize(name, sockets, HostWithPort.of(network.host(), network.port()),
        network.password().orElse(null),
        new InetSocketAddress(0), // the builder's bind address when none is set: any address, any port
        null, null, nick, identity.user(), identity.realName(),
        // The bot follows every channel member; a puppet only itself (see SelfOnlyActorTracker).
        role == ConnectionRole.BOT ? new DefaultActorTracker(client) : new SelfOnlyActorTracker(client),
        new DefaultAuthManager(client), new DefaultCapabilityManager(client),
        // A synchronous event bus instead of two event dispatcher threads per client (see InlineEventManager).
        new InlineEventManager(client), Arrays.asList(DefaultListeners.values()), new DefaultMessageTagManager(client),
        new DefaultISupportManager(client), null,
        // One shared scheduler instead of a delay-sender thread per client (see ScheduledSendQueue).
        c -> {
          ScheduledSendQueue queue = new ScheduledSendQueue(network.flood(), scheduler);
          sendQueues.accept(queue);
          return queue;
        },
        DefaultServerInfo::new,
        // Kitteh's exception listener is a thread per client; handler failures are logged by the event manager.
        null, null, null,
        tls, certificate ? security.clientCert().get() : null, certificate ? security.clientKey().get() : null, null,
        trust, null, null, null, null, null);
    return client;
  }

  /** Logs in with SASL PLAIN when the server offers {@code sasl}; the password is never logged. */
  static void useSaslPlain(Client client, SaslLogin sasl, String account, String password) {
    sasl.configure("PLAIN", account);
    client.getAuthManager().addProtocol(new SaslPlain(client, account, password));
  }

  /** The bot logs in with the network's {@code sasl} settings, if any (see {@link SaslLogin}). */
  static void useBotSasl(Client client, ConnectionSecurity security, SaslLogin sasl) {
    security.sasl().ifPresent(s -> {
      boolean plain = s.mechanism() == ConnectionSecurity.Mechanism.PLAIN;
      sasl.configure(plain ? "PLAIN" : "EXTERNAL", s.account().orElse(null));
      client.getAuthManager().addProtocol(plain
          ? new SaslPlain(client, s.account().orElseThrow(), s.password().orElseThrow())
          : new SaslExternal(client));
    });
  }
}
