package dev.switchboard.irc.network;

import dev.switchboard.irc.flood.ScheduledSendQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;
import org.kitteh.irc.client.library.Client;
import org.kitteh.irc.client.library.defaults.feature.DefaultActorTracker;
import org.kitteh.irc.client.library.feature.auth.SaslExternal;
import org.kitteh.irc.client.library.feature.auth.SaslPlain;
import org.kitteh.irc.client.library.feature.network.NetworkHandler;

/**
 * Builds the Kitteh client behind an {@link IrcConnection}: the server and its TLS settings, the shared scheduler for
 * the flood queue, a synchronous event bus, and the bridge's own sockets, so that a connection costs no threads of
 * its own.
 */
final class KittehClients {
  private KittehClients() {}

  /**
   * @param sendQueues gets the client's flood queue when Kitteh builds it
   * @param sockets opens the client's socket
   */
  static Client build(NetworkConfig network, IrcConnection.Identity identity, String nick, ConnectionRole role,
      ScheduledExecutorService scheduler, Consumer<ScheduledSendQueue> sendQueues, NetworkHandler sockets) {
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
    Client.Builder built = server.then()
        // Kitteh's exception listener is a thread per client; handler failures are logged by the event manager.
        .listeners()
            .exception(null)
            .then()
        // One shared scheduler and a synchronous event bus instead of a delay-sender thread and two event
        // dispatcher threads per client (see ScheduledSendQueue, InlineEventManager).
        .management()
            .messageSendingQueueSupplier(c -> {
              ScheduledSendQueue queue = new ScheduledSendQueue(network.flood(), scheduler);
              sendQueues.accept(queue);
              return queue;
            })
            .eventManager(InlineEventManager::new)
            // The bot follows every channel member; a puppet only itself (see SelfOnlyActorTracker).
            .actorTracker(c -> role == ConnectionRole.BOT ? new DefaultActorTracker(c)
                : new SelfOnlyActorTracker(c))
            .then();
    built.management().networkHandler(sockets);
    return built.build();
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
