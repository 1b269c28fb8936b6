package dev.switchboard.irc.network;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Function;
import javax.net.ssl.TrustManagerFactory;
import org.kitteh.irc.client.library.Client;
import org.kitteh.irc.client.library.defaults.DefaultClient;
import org.kitteh.irc.client.library.feature.ActorTracker;
import org.kitteh.irc.client.library.feature.AuthManager;
import org.kitteh.irc.client.library.feature.CapabilityManager;
import org.kitteh.irc.client.library.feature.EventListenerSupplier;
import org.kitteh.irc.client.library.feature.EventManager;
import org.kitteh.irc.client.library.feature.ISupportManager;
import org.kitteh.irc.client.library.feature.MessageTagManager;
import org.kitteh.irc.client.library.feature.ServerInfo;
import org.kitteh.irc.client.library.feature.defaultmessage.DefaultMessageMap;
import org.kitteh.irc.client.library.feature.network.NetworkHandler;
import org.kitteh.irc.client.library.feature.network.ProxyType;
import org.kitteh.irc.client.library.feature.sending.MessageSendingQueue;
import org.kitteh.irc.client.library.feature.sts.StsStorageManager;
import org.kitteh.irc.client.library.util.HostWithPort;
import org.kitteh.irc.client.library.util.QueueProcessingThread;
import org.kitteh.irc.client.library.util.Version;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kitteh 9.0.0's client without its two threads per client. {@code DefaultClient.initialize} starts an input
 * processor thread and an "immediate" sending thread for every client and offers no option to replace either
 * (docs/plans/irc-threads.md has the source lines); with thousands of puppets that is thousands of idle threads. This
 * subclass lets them start, stops them at once, and puts in their place an {@link ImmediateLane} (a FIFO that writes
 * on the socket's event loop) and an input lane: the given executor, which must run tasks one at a time in order
 * (a {@code KeyedSerialExecutor} lane), on which Kitteh's own line handling runs as it did on its thread.
 *
 * <p>It reaches three private members of {@code DefaultClient} and one of {@code QueueProcessingThread} by
 * reflection, so it is pinned to Kitteh {@value #KITTEH_VERSION}: loading this class fails with a clear message if
 * they are missing, and {@code SharedThreadsClientTest} fails on any other Kitteh version. This is a wrap, not a fork:
 * Kitteh's code runs unchanged; what upstream needs to make it unnecessary is in docs/irc.md ("Threads and cost per
 * puppet").
 */
final class SharedThreadsClient extends DefaultClient {
  private static final Logger log = LoggerFactory.getLogger(SharedThreadsClient.class);

  /** The Kitteh release whose private members this class uses. */
  static final String KITTEH_VERSION = "9.0.0";

  private static final VarHandle IMMEDIATE;
  private static final VarHandle PROCESSOR;
  private static final VarHandle PROCESSOR_QUEUE;
  private static final MethodHandle HANDLE_LINE;

  static {
    try {
      MethodHandles.Lookup client = MethodHandles.privateLookupIn(DefaultClient.class, MethodHandles.lookup());
      IMMEDIATE = client.findVarHandle(DefaultClient.class, "messageSendingImmediate", MessageSendingQueue.class);
      PROCESSOR = client.findVarHandle(DefaultClient.class, "processor",
          Class.forName(DefaultClient.class.getName() + "$InputProcessor"));
      HANDLE_LINE = client.findVirtual(DefaultClient.class, "handleLine",
          MethodType.methodType(void.class, String.class));
      PROCESSOR_QUEUE = MethodHandles.privateLookupIn(QueueProcessingThread.class, MethodHandles.lookup())
          .findVarHandle(QueueProcessingThread.class, "queue", Queue.class);
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new IllegalStateException("Kitteh IRC Client Library " + Version.getVersion() + " is not the "
          + KITTEH_VERSION + " whose private members Switchboard uses to run IRC connections without threads of"
          + " their own (" + e + "); see docs/irc.md, \"Threads and cost per puppet\"", e);
    }
  }

  private final Executor input;
  private ImmediateLane immediate;

  /** @param input runs this client's incoming lines one at a time, in order (never a thread of its own) */
  SharedThreadsClient(Executor input) {
    this.input = input;
  }

  /** As Kitteh's; then its two threads are stopped and replaced (see the class comment). */
  @Override
  public void initialize(String name, NetworkHandler networkHandler, HostWithPort serverAddress,
      String serverPassword, InetSocketAddress bindAddress, HostWithPort proxyAddress, ProxyType proxyType,
      String nick, String userString, String realName, ActorTracker actorTracker, AuthManager authManager,
      CapabilityManager.WithManagement capabilityManager, EventManager eventManager,
      List<EventListenerSupplier> listenerSuppliers, MessageTagManager messageTagManager,
      ISupportManager iSupportManager, DefaultMessageMap defaultMessageMap,
      Function<Client.WithManagement, ? extends MessageSendingQueue> messageSendingQueue,
      Function<Client.WithManagement, ? extends ServerInfo.WithManagement> serverInfo,
      Consumer<Exception> exceptionListener, Consumer<String> inputListener, Consumer<String> outputListener,
      boolean secure, Path secureKeyCertChain, Path secureKey, String secureKeyPassword,
      TrustManagerFactory trustManagerFactory, StsStorageManager stsStorageManager, String webircHost,
      InetAddress webircIP, String webircPassword, String webircGateway) {
    super.initialize(name, networkHandler, serverAddress, serverPassword, bindAddress, proxyAddress, proxyType, nick,
        userString, realName, actorTracker, authManager, capabilityManager, eventManager, listenerSuppliers,
        messageTagManager, iSupportManager, defaultMessageMap, messageSendingQueue, serverInfo, exceptionListener,
        inputListener, outputListener, secure, secureKeyCertChain, secureKey, secureKeyPassword, trustManagerFactory,
        stsStorageManager, webircHost, webircIP, webircPassword, webircGateway);
    immediate = new ImmediateLane(name);
    MessageSendingQueue own = (MessageSendingQueue) IMMEDIATE.get(this);
    IMMEDIATE.set(this, immediate);
    own.shutdown().forEach(immediate::queue); // interrupts its thread, which then ends
    ((Thread) PROCESSOR.get(this)).interrupt();
  }

  /** The socket being opened writes on {@code eventLoop} (see {@link ImmediateLane}). */
  void writesOn(Executor eventLoop) {
    immediate.writesOn(eventLoop);
  }

  /** As Kitteh's: a PING is answered at once, on the event loop; any other line is handled on the input lane. */
  @Override
  public void processLine(String line) {
    if (line.startsWith("PING ")) {
      sendRawLineImmediately("PONG " + line.substring(5));
    } else if (!line.isEmpty()) {
      input.execute(() -> handle(line));
    }
  }

  /**
   * As Kitteh's, with its reset of the previous connection's state (actors, capabilities, server info) queued on the
   * input lane before the new socket exists, so it runs before any of its lines.
   */
  @Override
  public void connect() {
    if (isConnectionAlive()) {
      throw new IllegalStateException("Client is already connecting");
    }
    input.execute(() -> handle(""));
    super.connect();
    // Kitteh also queued its reset for the stopped processor thread, which will never take it.
    ((Queue<?>) PROCESSOR_QUEUE.get(PROCESSOR.get(this))).clear();
  }

  /** Kitteh's line handling; what it cannot parse is dropped, as its (disabled) exception listener would have. */
  private void handle(String line) {
    try {
      HANDLE_LINE.invokeExact((DefaultClient) this, line);
    } catch (RuntimeException e) {
      log.debug("IRC {}: dropped a line Kitteh could not handle: {}", getName(), e.toString());
    } catch (Error e) {
      throw e;
    } catch (Throwable e) {
      throw new IllegalStateException(e); // handleLine declares no checked exception
    }
  }
}
