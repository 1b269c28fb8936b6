package dev.switchboard.testkit.homeserver;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.testkit.homeserver.accounts.AccountRoutes;
import dev.switchboard.testkit.homeserver.accounts.AccountService;
import dev.switchboard.testkit.homeserver.accounts.Auth;
import dev.switchboard.testkit.homeserver.aliases.AliasRoutes;
import dev.switchboard.testkit.homeserver.aliases.DirectoryRoutes;
import dev.switchboard.testkit.homeserver.appservice.AppServiceClient;
import dev.switchboard.testkit.homeserver.appservice.AppServiceQueries;
import dev.switchboard.testkit.homeserver.appservice.AppServiceRoutes;
import dev.switchboard.testkit.homeserver.appservice.TransactionPusher;
import dev.switchboard.testkit.homeserver.http.HttpFront;
import dev.switchboard.testkit.homeserver.http.Router;
import dev.switchboard.testkit.homeserver.media.MediaRoutes;
import dev.switchboard.testkit.homeserver.membership.MembershipRoutes;
import dev.switchboard.testkit.homeserver.membership.MembershipService;
import dev.switchboard.testkit.homeserver.openid.OpenIdRoutes;
import dev.switchboard.testkit.homeserver.openid.OpenIdService;
import dev.switchboard.testkit.homeserver.presence.Presence;
import dev.switchboard.testkit.homeserver.presence.PresenceRoutes;
import dev.switchboard.testkit.homeserver.presence.PresenceService;
import dev.switchboard.testkit.homeserver.profile.ProfileRoutes;
import dev.switchboard.testkit.homeserver.profile.ProfileService;
import dev.switchboard.testkit.homeserver.rooms.RoomRoutes;
import dev.switchboard.testkit.homeserver.rooms.RoomService;
import dev.switchboard.testkit.homeserver.state.Event;
import dev.switchboard.testkit.homeserver.state.Room;
import dev.switchboard.testkit.homeserver.state.ServerState;
import dev.switchboard.testkit.spec.SpecSchemas;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Predicate;

/**
 * An in-process homeserver for integration tests: real HTTP on 127.0.0.1 (ephemeral port), rooms, state,
 * memberships, aliases, profiles, presence and media, application services with a Synapse-like transaction pusher,
 * every client-server request and AS response checked against the Matrix spec, and injectable faults.
 *
 * <p>{@link #close()} fails the test if a schema violation was recorded (unless
 * {@link Options#failOnSchemaViolations(boolean) turned off}).
 */
public final class TestHomeserver implements AutoCloseable {
  private final Options options;
  private final ServerState state;
  private final SpecSchemas spec;
  private final HttpFront front;
  private final Faults faults;
  private final ExecutorService handlers;
  private final ScheduledExecutorService scheduler;
  private final AppServiceClient asClient;
  private final AccountService accounts;
  private final MembershipService membership;
  private final RoomService rooms;
  private final ProfileService profiles;
  private final PresenceService presence;
  private final OpenIdService openId;
  private final List<TransactionPusher> pushers = new CopyOnWriteArrayList<>();
  private final List<SchemaViolation> violations = new CopyOnWriteArrayList<>();
  private final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();
  private final List<AsTransaction> transactions = new CopyOnWriteArrayList<>();
  private final Map<String, TestUser> users = new LinkedHashMap<>();
  private volatile boolean closed;

  private TestHomeserver(Options options, SpecSchemas spec) {
    this.options = options;
    this.spec = spec;
    this.state = new ServerState(options.serverName(), options.clock(), options.random());
    this.handlers = Executors.newCachedThreadPool(daemon("testkit-hs-handler"));
    this.scheduler = Executors.newSingleThreadScheduledExecutor(daemon("testkit-hs-scheduler"));
    this.asClient = new AppServiceClient(options.legacy(), options.asRequestTimeout(), spec, violations::add);
    AppServiceQueries queries = new AppServiceQueries(state, asClient);
    this.accounts = new AccountService(state);
    this.membership = new MembershipService(state, queries);
    this.rooms = new RoomService(state, membership, queries);
    this.profiles = new ProfileService(state, queries);
    this.presence = new PresenceService(state, options.clock());
    this.openId = new OpenIdService(state, options.clock());

    Router router = new Router();
    new AccountRoutes(state, accounts, options.versions()).register(router);
    new RoomRoutes(state, rooms).register(router);
    new MembershipRoutes(membership).register(router);
    new AliasRoutes(state, rooms, queries).register(router);
    new DirectoryRoutes(state).register(router);
    new ProfileRoutes(profiles).register(router);
    new PresenceRoutes(presence, options.clock()).register(router);
    new MediaRoutes(state, options.media()).register(router);
    new OpenIdRoutes(openId, options.serverName()).register(router);
    if (!options.legacy()) {
      // Modern AS paths came with Synapse 1.81, the ping endpoint (Matrix 1.7) with 1.84.
      new AppServiceRoutes(asClient, options.asRequestTimeout(), options.pingEndpoint()).register(router);
    }
    HttpFront[] frontRef = new HttpFront[1];
    this.faults = new Faults(scheduler, new Faults.Listener() {
      @Override
      public void goAway() {
        frontRef[0].unbind();
      }

      @Override
      public void comeBack() {
        frontRef[0].bind();
        state.signalChange();
      }
    });
    RequestPipeline pipeline = new RequestPipeline(router, new Auth(state), faults, spec, handlers, violations::add,
        requests::add, options.clock());
    this.front = new HttpFront(pipeline::dispatch);
    frontRef[0] = front;
  }

  /** Starts a homeserver with the default options. */
  public static TestHomeserver start() {
    return start(Options.defaults());
  }

  public static TestHomeserver start(Options options) {
    return start(options, SpecSchemas.load());
  }

  /** Starts with an already loaded spec (loading it takes a moment; share one across a test class). */
  public static TestHomeserver start(Options options, SpecSchemas spec) {
    TestHomeserver hs = new TestHomeserver(options, spec);
    hs.front.bind();
    return hs;
  }

  /** {@code http://127.0.0.1:<port>}. */
  public String baseUrl() {
    return "http://127.0.0.1:" + front.port();
  }

  public int port() {
    return front.port();
  }

  public String serverName() {
    return options.serverName();
  }

  public Options options() {
    return options;
  }

  /** OpenID tokens users hand to third parties (the bridge's provisioning API). */
  public OpenIdService openId() {
    return openId;
  }

  public Faults faults() {
    return faults;
  }

  public SpecSchemas spec() {
    return spec;
  }

  /**
   * Adds a file to the content repository without holding its bytes, e.g. a gigabyte of {@link
   * dev.switchboard.testkit.homeserver.media.SyntheticMedia} to test streaming; its {@code mxc://} URI.
   */
  public String putGeneratedMedia(dev.switchboard.testkit.homeserver.http.StreamedBody body, String contentType,
      String fileName) {
    return MediaRoutes.putGenerated(state, body, contentType, fileName);
  }

  // ---- application services

  /** Registers an application service: its bot user exists from now on, and a pusher starts if it has a url. */
  public void registerAppService(AppServiceRegistration registration) {
    state.locked(() -> {
      if (state.appServices().stream().anyMatch(a -> a.id().equals(registration.id()))) {
        throw new IllegalArgumentException("application service " + registration.id() + " already registered");
      }
      state.addAppService(registration);
      String bot = registration.senderUserId(state.serverName());
      if (state.account(bot) == null) {
        state.createAccount(bot, registration.id());
      }
    });
    TransactionPusher pusher = new TransactionPusher(registration, state, asClient, faults, transactions::add,
        options.maxEventsPerTransaction(), options.legacy(), options.initialBackoff(), options.maxBackoff());
    state.addListener(pusher);
    pushers.add(pusher);
    pusher.start();
  }

  /** Every push attempt to application services so far, in order (retries included). */
  public List<AsTransaction> asTransactions() {
    return List.copyOf(transactions);
  }

  /** True when no AS has events waiting or a transaction in flight. */
  public boolean asPushesIdle() {
    return pushers.stream().allMatch(TransactionPusher::idle);
  }

  /**
   * Simulates a restart of Synapse on SQLite: connections drop, client transaction ids are forgotten (Synapse
   * keeps them in memory), each AS pusher's txn id counter starts from 1 again (ids are reused) after first
   * re-sending the transaction that was in flight with its old id. Rooms, users and state survive.
   */
  public void restart() {
    pushers.forEach(TransactionPusher::stop);
    front.unbind();
    state.locked(state::forgetTransactions);
    front.bind();
    pushers.forEach(TransactionPusher::restart);
  }

  // ---- users

  /** The normal user {@code @localpart:server}, created (with an access token) on first use. */
  public synchronized TestUser user(String localpart) {
    TestUser existing = users.get(localpart);
    if (existing != null) {
      return existing;
    }
    String userId = accounts.register(localpart, null);
    String token = state.locked(() -> state.issueToken(userId));
    TestUser user = new TestUser(this, userId, token);
    users.put(localpart, user);
    return user;
  }

  /**
   * A user of another homeserver ({@code @localpart:server}) whose events reach this one, as over federation: the
   * test drives it with a token here (bridges see a sender on a foreign server, e.g. for permission levels).
   */
  public synchronized TestUser remoteUser(String localpart, String server) {
    String userId = "@" + localpart + ":" + server;
    TestUser existing = users.get(userId);
    if (existing != null) {
      return existing;
    }
    String token = state.locked(() -> {
      if (state.account(userId) == null) {
        state.createAccount(userId, null);
      }
      return state.issueToken(userId);
    });
    TestUser user = new TestUser(this, userId, token);
    users.put(userId, user);
    return user;
  }

  // ---- inspection

  /** The room's timeline (client-server event format), oldest first. */
  public List<JsonNode> timeline(String roomId) {
    return state.locked(() -> {
      Room room = state.requireRoom(roomId);
      long now = state.now();
      return state.timeline(room).stream().map(e -> (JsonNode) e.toJson(now)).toList();
    });
  }

  /** The room's current state events. */
  public List<JsonNode> roomState(String roomId) {
    return state.locked(() -> {
      Room room = state.requireRoom(roomId);
      long now = state.now();
      return state.currentState(room).stream().map(e -> (JsonNode) e.toJson(now)).toList();
    });
  }

  /** One current state event, or {@code null}. */
  public JsonNode roomStateEvent(String roomId, String type, String stateKey) {
    return state.locked(() -> {
      Event e = state.stateEvent(state.requireRoom(roomId), type, stateKey);
      return e == null ? null : e.toJson(state.now());
    });
  }

  /** User id to membership ("join", "invite", "leave", "ban") for everyone who has a member event. */
  public Map<String, String> members(String roomId) {
    return state.locked(() -> {
      Room room = state.requireRoom(roomId);
      Map<String, String> out = new LinkedHashMap<>();
      for (Event e : state.currentState(room)) {
        if (e.type().equals("m.room.member")) {
          out.put(e.stateKey(), e.content().path("membership").asText());
        }
      }
      return out;
    });
  }

  /**
   * Calls {@code listener} with every new room event (client-server format), as it is stored, in order; for load
   * tests that time arrivals without polling. Must return quickly (it runs under the server's lock).
   */
  public void onEvent(java.util.function.Consumer<JsonNode> listener) {
    state.addListener(new ServerState.Listener() {
      @Override
      public void onEvent(Event event, Room room) {
        listener.accept(event.toJson(state.now()));
      }

      @Override
      public void onEphemeral(com.fasterxml.jackson.databind.node.ObjectNode edu, Room room) {
        // not needed by load tests
      }
    });
  }

  /** The rooms in which {@code userId} currently has {@code membership} ("join", "invite", ...), oldest room first. */
  public List<String> roomsOf(String userId, String membership) {
    return state.locked(() -> state.rooms().stream()
        .filter(r -> membership.equals(state.membership(r, userId)))
        .map(Room::roomId).toList());
  }

  /** The room an alias points to, or {@code null} (no AS query). */
  public String aliasTarget(String alias) {
    return state.locked(() -> state.aliasTarget(alias));
  }

  /** The user's profile display name, or {@code null}. */
  public String displayName(String userId) {
    return state.locked(() -> state.account(userId) == null ? null : state.account(userId).displayName());
  }

  /**
   * The presence the user last set ({@code PUT /presence/{userId}/status}, a ghost through identity assertion), or
   * {@code null} if they never set one.
   */
  public Presence presence(String userId) {
    return presence.lastSet(userId).orElse(null);
  }

  public boolean userExists(String userId) {
    return state.locked(() -> state.account(userId) != null);
  }

  /**
   * Waits for an event in the room from {@code sender} (any sender if {@code null}) matching the predicate, and
   * returns it; fails with {@link AssertionError} and the timeline when it does not come in time.
   */
  public JsonNode awaitEvent(String roomId, String sender, Predicate<JsonNode> predicate, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    return state.locked(() -> {
      int seen = 0;
      while (true) {
        List<JsonNode> timeline = timeline(roomId);
        for (int i = seen; i < timeline.size(); i++) {
          JsonNode e = timeline.get(i);
          if ((sender == null || sender.equals(e.path("sender").asText())) && predicate.test(e)) {
            return e;
          }
        }
        seen = timeline.size();
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new AssertionError("no matching event from " + sender + " in " + roomId + " within " + timeout
              + "; timeline: " + timeline);
        }
        try {
          state.awaitChange(Math.max(1, left / 1_000_000));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError("interrupted while waiting for an event", e);
        }
      }
    });
  }

  /** Client-server requests received over HTTP, in arrival order. */
  public List<RecordedRequest> requests() {
    return List.copyOf(requests);
  }

  /** Requests with this method whose raw or decoded path contains a match of {@code pathRegex}. */
  public List<RecordedRequest> requests(String method, String pathRegex) {
    java.util.regex.Pattern p = java.util.regex.Pattern.compile(pathRegex);
    return requests.stream().filter(r -> r.method().equals(method)
        && (p.matcher(r.path()).find() || p.matcher(r.decodedPath()).find())).toList();
  }

  // ---- schema violations

  public List<SchemaViolation> schemaViolations() {
    return List.copyOf(violations);
  }

  /** Forgets recorded violations (for tests that provoke them on purpose). */
  public void clearSchemaViolations() {
    violations.clear();
  }

  public void assertNoSchemaViolations() {
    List<SchemaViolation> found = new ArrayList<>(violations);
    if (!found.isEmpty()) {
      StringBuilder message = new StringBuilder(found.size() + " Matrix spec violation(s):");
      found.forEach(v -> message.append("\n  ").append(v));
      throw new AssertionError(message.toString());
    }
  }

  /** Stops everything; then fails if schema violations were recorded (see {@link Options}). */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    pushers.forEach(TransactionPusher::stop);
    faults.clear();
    front.close();
    handlers.shutdownNow();
    scheduler.shutdownNow();
    if (options.failOnSchemaViolations()) {
      assertNoSchemaViolations();
    }
  }

  // ---- for TestUser

  RoomService rooms() {
    return rooms;
  }

  MembershipService membership() {
    return membership;
  }

  ProfileService profiles() {
    return profiles;
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }
}
