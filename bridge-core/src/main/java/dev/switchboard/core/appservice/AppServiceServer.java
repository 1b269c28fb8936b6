package dev.switchboard.core.appservice;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.core.connector.Connectors;
import dev.switchboard.core.http.HttpListener;
import dev.switchboard.core.http.ListenerLimits;
import dev.switchboard.core.inbox.Inbox;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The application-service HTTP API: the shared {@link HttpListener} pipeline, with the {@code hs_token} checked on
 * the request head ({@link HsTokenCheck}), then route/parse → endpoint on an executor ({@link AppServiceHandler}).
 */
public final class AppServiceServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AppServiceServer.class);

  private final HttpListener listener;
  private final ExecutorService transactions;

  private AppServiceServer(HttpListener listener, ExecutorService transactions) {
    this.listener = listener;
    this.transactions = transactions;
  }

  /** Settings of the listener. */
  public record Settings(String bind, int port, String hsToken, int maxBodyBytes, Duration queryTimeout,
      ListenerLimits limits) {
    /** With the default limits. */
    public Settings(String bind, int port, String hsToken, int maxBodyBytes, Duration queryTimeout) {
      this(bind, port, hsToken, maxBodyBytes, queryTimeout, ListenerLimits.APPSERVICE);
    }

    @Override
    public String toString() {
      return "Settings[bind=" + bind + ", port=" + port + ", maxBodyBytes=" + maxBodyBytes + ", limits=" + limits
          + "]";
    }
  }

  /** Binds and starts serving; {@code port} 0 picks a free port (see {@link #port()}). */
  public static AppServiceServer start(Settings settings, Inbox inbox, Connectors connectors, Executor blocking,
      ObjectMapper json) throws InterruptedException {
    return start(settings, inbox, connectors, blocking, json, new CompositeMeterRegistry());
  }

  /**
   * As above, counting refused requests in {@code switchboard.appservice.rejected{reason}} ({@code missing_token},
   * {@code wrong_token}, {@code not_json}): a homeserver with a stale registration shows up there first.
   */
  public static AppServiceServer start(Settings settings, Inbox inbox, Connectors connectors, Executor blocking,
      ObjectMapper json, MeterRegistry metrics) throws InterruptedException {
    AppServiceApi api = new AppServiceApi(inbox, connectors, settings.queryTimeout());
    // Transactions have a thread of their own: the inbox stores one at a time anyway (homeservers send one at a
    // time), and so an acknowledgement never queues behind connectors' blocking work, and always finds the same
    // warm thread and pooled connection (on PostgreSQL: the same server backend, with the statement prepared).
    ExecutorService transactions = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "as-transactions");
      t.setDaemon(true);
      return t;
    });
    Consumer<String> rejected = reason -> Counter.builder("switchboard.appservice.rejected")
        .description("AS API requests refused before reaching an endpoint")
        .tag("reason", reason).register(metrics).increment();
    AppServiceHandler handler = new AppServiceHandler(api, blocking, transactions, json, rejected);
    try {
      HttpListener listener = HttpListener.bind(new HttpListener.Spec("AS API", settings.bind(), settings.port(), 2,
          settings.limits(), settings.maxBodyBytes(), new HsTokenCheck(settings.hsToken(), rejected),
          pipeline -> pipeline.addLast("api", handler), headers -> { }));
      AppServiceServer server = new AppServiceServer(listener, transactions);
      log.info("Application-service API listening on {}:{}", settings.bind(), server.port());
      return server;
    } catch (RuntimeException | InterruptedException e) {
      transactions.shutdown();
      throw e;
    }
  }

  public int port() {
    return listener.port();
  }

  /** Whether the listening socket is open (for readiness checks). */
  public boolean listening() {
    return listener.listening();
  }

  /** Connections open now. */
  public int connections() {
    return listener.connections();
  }

  @Override
  public void close() {
    listener.close();
    transactions.shutdown(); // a transaction being stored finishes its commit
    try {
      transactions.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
