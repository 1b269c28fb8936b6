package dev.switchboard.core.inbox;

import static dev.switchboard.core.failure.Failures.rootCause;
import dev.switchboard.core.connector.Connector;
import dev.switchboard.core.connector.ConnectorState;
import dev.switchboard.core.connector.Connectors;
import dev.switchboard.core.connector.EphemeralCapable;
import dev.switchboard.core.connector.Link;
import dev.switchboard.core.connector.LinkLookup;
import dev.switchboard.core.connector.RemoteUnavailableException;
import dev.switchboard.core.connector.TopicRelay;
import dev.switchboard.core.event.MatrixEvent;
import dev.switchboard.core.event.MatrixEvents;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.ordering.KeyedSerialExecutor;
import dev.switchboard.core.permission.Level;
import dev.switchboard.core.permission.Permissions;
import dev.switchboard.core.permission.Refusals;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands inbox entries to connectors: each target of a room (each link, the bot, a ghost's connector) has its own
 * ordered queue, so one link's failure or slowness never blocks the others, and rooms run in parallel. An entry is
 * done when every target accepted it; after a crash only the targets that had not accepted it run it again.
 *
 * <p>Echo suppression is per link (DESIGN.md): an event from a connector's own ghost never goes back to that
 * connector, but does go to the room's other links; the bot's own events go nowhere.
 *
 * <p>Failures: a target whose remote side is unavailable ({@link RemoteUnavailableException}, a connector in
 * {@link ConnectorState#CONNECTING} or {@link ConnectorState#TRANSIENT_DISCONNECT}, or no answer within the accept
 * timeout) keeps the event and the target's later events waiting, retried with capped backoff, never dropped. Any
 * other failure means the event is bad for that target: it is retried twice and then dropped, logged once.
 */
public final class Dispatcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

  /** Delays between attempts when a connector fails an event; after the last, the event is logged and dropped. */
  private static final List<Duration> RETRY_DELAYS = List.of(Duration.ofMillis(500), Duration.ofSeconds(2));

  /** Backoff while a target's remote side is unavailable: from 0.5 s, doubling, at most 30 s. */
  private static final Duration UNAVAILABLE_FIRST = Duration.ofMillis(500);
  private static final Duration UNAVAILABLE_CAP = Duration.ofSeconds(30);

  private final Connectors connectors;
  private final LinkLookup links;
  private final UserId bot;
  private final InboxStore store;
  private final ScheduledExecutorService scheduler;
  private final Duration acceptTimeout;
  private final DoneMarker done;
  /** Room stage: an entry's targets are worked out in room order. */
  private final KeyedSerialExecutor<String> rooms;
  /** Lane stage: one queue per (room, target). */
  private final KeyedSerialExecutor<String> lanes;
  private final MembershipListener membership;
  private final BotRoomHandler botRooms;
  private final Permissions permissions;
  private final Refusals refusals;
  private final EncryptionListener encryption;
  private final EventRouter router;
  private final Counter dispatched;
  private final Counter failed;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final Map<Long, Set<String>> acceptedBeforeRestart = new ConcurrentHashMap<>();
  private final Set<String> unavailableLanes = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  public Dispatcher(Connectors connectors, LinkLookup links, UserId bot, InboxStore store, Executor workers,
      ScheduledExecutorService scheduler, Duration acceptTimeout) {
    this(connectors, links, bot, store, workers, scheduler, acceptTimeout, MembershipListener.NONE);
  }

  public Dispatcher(Connectors connectors, LinkLookup links, UserId bot, InboxStore store, Executor workers,
      ScheduledExecutorService scheduler, Duration acceptTimeout, MembershipListener membership) {
    this(connectors, links, bot, store, workers, scheduler, acceptTimeout, membership, BotRoomHandler.NONE,
        new CompositeMeterRegistry());
  }

  /**
   * @param botRooms takes events addressed to the bot (invites, admin rooms, commands) before the links see them
   * @param metrics records {@code switchboard.events.dispatched} and {@code switchboard.events.failed}
   */
  public Dispatcher(Connectors connectors, LinkLookup links, UserId bot, InboxStore store, Executor workers,
      ScheduledExecutorService scheduler, Duration acceptTimeout, MembershipListener membership,
      BotRoomHandler botRooms, MeterRegistry metrics) {
    this(connectors, links, bot, store, workers, scheduler, acceptTimeout, membership, botRooms, metrics,
        Permissions.defaults(bot.server()), Refusals.NONE);
  }

  /**
   * @param permissions events of {@link Level#NONE} users reach no connector (DESIGN.md: "none shuts someone out");
   *     ghosts of our connectors are never refused
   * @param refusals told of each event kept from connectors that way
   */
  public Dispatcher(Connectors connectors, LinkLookup links, UserId bot, InboxStore store, Executor workers,
      ScheduledExecutorService scheduler, Duration acceptTimeout, MembershipListener membership,
      BotRoomHandler botRooms, MeterRegistry metrics, Permissions permissions, Refusals refusals) {
    this(connectors, links, bot, store, workers, scheduler, acceptTimeout, membership, botRooms, metrics, permissions,
        refusals, EncryptionListener.NONE);
  }

  /** @param encryption takes every {@code m.room.encryption} event instead of the room's links */
  public Dispatcher(Connectors connectors, LinkLookup links, UserId bot, InboxStore store, Executor workers,
      ScheduledExecutorService scheduler, Duration acceptTimeout, MembershipListener membership,
      BotRoomHandler botRooms, MeterRegistry metrics, Permissions permissions, Refusals refusals,
      EncryptionListener encryption) {
    this.encryption = encryption;
    this.botRooms = botRooms;
    this.permissions = permissions;
    this.refusals = refusals;
    this.router = new EventRouter(refusals);
    this.dispatched = Counter.builder("switchboard.events.dispatched")
        .description("Inbox entries every target accepted").register(metrics);
    this.failed = Counter.builder("switchboard.events.failed")
        .description("Deliveries of an inbox entry to one target dropped after their last attempt failed")
        .register(metrics);
    this.membership = membership;
    this.connectors = connectors;
    this.links = links;
    this.bot = bot;
    this.store = store;
    this.scheduler = scheduler;
    this.acceptTimeout = acceptTimeout;
    this.done = new DoneMarker(store);
    this.rooms = new KeyedSerialExecutor<>(workers, "dispatch room");
    this.lanes = new KeyedSerialExecutor<>(workers, "dispatch lane");
  }

  /** Queues what a previous run left undone; call once at start, before new transactions arrive. */
  public int resumePending() {
    List<InboxEntry> pending = store.pending();
    acceptedBeforeRestart.putAll(store.acceptedTargets());
    submit(pending);
    if (!pending.isEmpty()) {
      log.info("Resuming {} inbox entries left undone by the previous run", pending.size());
    }
    return pending.size();
  }

  /** Queues entries just stored by the inbox, in their order. */
  public void submit(List<InboxEntry> entries) {
    for (InboxEntry e : entries) {
      inFlight.incrementAndGet();
      rooms.submit(e.queueKey(), () -> route(e));
    }
  }

  /** Entries queued or running (not yet accepted by every target). */
  public int backlog() {
    return inFlight.get();
  }

  /** One dispatch target of an entry: a link, the bot, or the connector of a ghost outside any link. */
  private record Target(String key, Optional<Connector> connector, Supplier<CompletableFuture<Void>> call) {}

  /** How many of an entry's targets have yet to accept it. */
  private static final class Progress {
    final InboxEntry entry;
    /** Whether the entry has (or may have) rows in {@code inbox_link_done} to clear when it is done. */
    final boolean linkRows;
    int remaining;

    Progress(InboxEntry entry, int targets, boolean linkRows) {
      this.entry = entry;
      this.remaining = targets;
      this.linkRows = linkRows;
    }
  }

  /** One entry for one target, waiting in that target's lane. */
  private record Delivery(Progress progress, Target target) {}

  /**
   * The room stage: works out an entry's targets in room order (membership notes, bot commands, echo suppression)
   * and hands one delivery to each target's lane. It does not wait for the deliveries.
   */
  private CompletableFuture<Void> route(InboxEntry entry) {
    return route(entry, 0);
  }

  private CompletableFuture<Void> route(InboxEntry entry, int failures) {
    List<Target> targets;
    try {
      targets = switch (entry.kind()) {
        case PDU -> pduTargets(MatrixEvents.fromJson(entry.event()));
        case EPHEMERAL -> ephemeralTargets(entry);
        case TO_DEVICE -> List.of(); // no end-to-end encryption yet: nothing consumes to-device messages
      };
    } catch (IllegalArgumentException e) {
      log.warn("Skipping inbox entry {}: {}", entry.seq(), e.getMessage());
      targets = List.of();
    } catch (RuntimeException e) {
      // E.g. the store could not tell the room's links: try again (the room waits), then give up on the entry.
      if (failures < RETRY_DELAYS.size() && !closed) {
        CompletableFuture<Void> later = new CompletableFuture<>();
        schedule(() -> route(entry, failures + 1), RETRY_DELAYS.get(failures).toMillis(), later);
        return later;
      }
      log.error("Dropping inbox entry {} in room {}: cannot work out its targets: {}", entry.seq(), entry.roomId(),
          rootCause(e).toString());
      failed.increment();
      targets = List.of();
    }
    Set<String> accepted = acceptedBeforeRestart.remove(entry.seq());
    if (accepted != null) {
      targets = targets.stream().filter(t -> !accepted.contains(t.key())).toList();
    }
    if (targets.isEmpty()) {
      return done.paced(done.mark(entry.seq(), accepted != null).whenComplete((ok, err) -> finished()));
    }
    Progress progress = new Progress(entry, targets.size(), accepted != null || targets.size() > 1);
    for (Target t : targets) {
      Delivery d = new Delivery(progress, t);
      lanes.submit(entry.queueKey() + "\u0000" + t.key(), () -> deliver(d));
    }
    return CompletableFuture.completedFuture(null);
  }

  private void finished() {
    inFlight.decrementAndGet();
    dispatched.increment();
  }

  /**
   * The lane stage: delivers to one target, then queues the record that it accepted. The lane's next entry starts
   * once the record is queued, not committed: records commit in the order they were queued (see {@link DoneMarker}),
   * so the target's recorded entries are always a prefix of its queue. Only when the recorder falls far behind does
   * the lane wait for its record to be committed.
   */
  private CompletableFuture<Void> deliver(Delivery d) {
    String lane = d.progress().entry.queueKey() + " -> " + d.target().key();
    return deliverWithRetry(d, lane, 0, 0).thenCompose(ignored -> {
      Progress p = d.progress();
      synchronized (p) {
        p.remaining--;
        if (p.remaining == 0) {
          return done.paced(done.mark(p.entry.seq(), p.linkRows).whenComplete((ok, err) -> finished()));
        }
        return done.paced(done.markLink(p.entry.seq(), d.target().key()));
      }
    });
  }

  private CompletableFuture<Void> deliverWithRetry(Delivery d, String lane, int failures, int waits) {
    CompletableFuture<Void> result = new CompletableFuture<>();
    attempt(d.target()).whenComplete((ok, err) -> {
      InboxEntry entry = d.progress().entry;
      if (err == null) {
        if (unavailableLanes.remove(lane)) {
          log.info("Link {} accepts events again", lane);
        }
        result.complete(null);
      } else if (closed) {
        result.completeExceptionally(err); // shutting down: the entry stays undone and runs after the restart
      } else if (isUnavailable(d.target(), err)) {
        long delay = Math.min(UNAVAILABLE_CAP.toMillis(), UNAVAILABLE_FIRST.toMillis() << Math.min(waits, 16));
        if (unavailableLanes.add(lane)) {
          log.warn("Link {} is unavailable ({}); holding its events (from {}) and retrying with backoff", lane,
              rootCause(err).toString(), entry.event().path("event_id").asText("-"));
        }
        schedule(() -> deliverWithRetry(d, lane, failures, waits + 1), delay, result);
      } else if (failures < RETRY_DELAYS.size()) {
        Duration delay = RETRY_DELAYS.get(failures);
        log.debug("Retrying inbox entry {} for {} in {} after {}", entry.seq(), lane, delay, err.toString());
        schedule(() -> deliverWithRetry(d, lane, failures + 1, waits), delay.toMillis(), result);
      } else {
        log.error("Dropping event {} for {} after {} attempts: {}", entry.event().path("event_id").asText("-"),
            lane, failures + 1, rootCause(err).toString());
        failed.increment();
        result.complete(null);
      }
    });
    return result;
  }

  private void schedule(Supplier<CompletableFuture<Void>> next, long delayMs, CompletableFuture<Void> result) {
    try {
      scheduler.schedule(() -> next.get().whenComplete((o, e) -> {
        if (e != null) {
          result.completeExceptionally(e);
        } else {
          result.complete(null);
        }
      }), delayMs, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      result.completeExceptionally(e); // shutting down
    }
  }

  /** Whether a failure means "the remote side is down, hold the event" rather than "this event is bad". */
  private static boolean isUnavailable(Target target, Throwable err) {
    Throwable root = rootCause(err);
    for (Throwable t = err; t != null; t = t.getCause()) {
      if (t instanceof RemoteUnavailableException) {
        return true;
      }
    }
    if (root instanceof TimeoutException) {
      return true; // no answer: the remote side may be slow or gone; a repeat is harmless, a drop is not
    }
    ConnectorState state = target.connector().map(Connector::state).orElse(ConnectorState.RUNNING);
    return state == ConnectorState.CONNECTING || state == ConnectorState.TRANSIENT_DISCONNECT;
  }

  private CompletableFuture<Void> attempt(Target target) {
    CompletableFuture<Void> call;
    try {
      call = target.call().get();
    } catch (RuntimeException e) {
      call = CompletableFuture.failedFuture(e);
    }
    return call.orTimeout(acceptTimeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  private List<Target> pduTargets(MatrixEvent event) {
    noteMembership(event);
    if (EncryptionListener.turnsEncryptionOn(event)) {
      // Whoever sent it, the bot included: the homeserver may have turned encryption on in a room we created.
      List<Link> roomLinks = links.linksOf(event.roomId());
      return List.of(new Target("encryption", Optional.empty(), () -> encryption.encryptionEnabled(event, roomLinks)));
    }
    if (event.sender().equals(bot)) {
      return relayedTopicTargets(event);
    }
    List<Link> roomLinks = links.linksOf(event.roomId());
    if (botRooms.claims(event, roomLinks)) {
      return List.of(new Target("bot", Optional.empty(), () -> botRooms.handle(event, roomLinks)));
    }
    List<Target> targets = new ArrayList<>();
    for (Link link : roomLinks) {
      Optional<Connector> connector = connectors.forProtocol(link.protocol());
      if (connector.isEmpty() || connector.get().namespaces().claimsUser(event.sender().value())) {
        continue; // connector disabled, or an echo of its own ghost
      }
      targets.add(new Target(linkKey(link), connector,
          () -> router.deliver(connector.get(), event, Optional.of(link))));
    }
    if (targets.isEmpty() && event.membership().isPresent() && event.stateKey().isPresent()) {
      // Outside any link: membership aimed at a ghost (an invite to a DM) goes to the ghost's connector.
      try {
        UserId target = UserId.of(event.stateKey().get());
        connectors.owningUser(target)
            .filter(c -> !c.namespaces().claimsUser(event.sender().value()))
            .ifPresent(c -> targets.add(new Target("ghost " + c.protocol(), Optional.of(c),
                () -> router.deliver(c, event, Optional.empty()))));
      } catch (IllegalArgumentException e) {
        log.debug("member event {} has a state key that is not a user id", event.eventId());
      }
    }
    if (!targets.isEmpty() && refusedSender(event.sender())) {
      refusals.refused(event);
      return List.of();
    }
    return targets;
  }

  /** A user at level none, who is not one of our connectors' ghosts (those speak for remote people). */
  private boolean refusedSender(UserId sender) {
    return permissions.levelOf(sender) == Level.NONE && connectors.owningUser(sender).isEmpty();
  }

  /**
   * The bot's events go nowhere, except a topic a connector set from its remote room ({@link TopicRelay}): that goes
   * to the room's other links, so a topic set on IRC reaches the linked MUC.
   */
  private List<Target> relayedTopicTargets(MatrixEvent event) {
    if (!"m.room.topic".equals(event.type()) || !event.stateKey().equals(Optional.of(""))) {
      return List.of();
    }
    Optional<String> from = TopicRelay.fromLink(event.content());
    if (from.isEmpty()) {
      return List.of();
    }
    List<Target> targets = new ArrayList<>();
    for (Link link : links.linksOf(event.roomId())) {
      Optional<Connector> connector = connectors.forProtocol(link.protocol());
      if (connector.isPresent() && !linkKey(link).equals(from.get())) {
        targets.add(new Target(linkKey(link), connector,
            () -> router.deliver(connector.get(), event, Optional.of(link))));
      }
    }
    return targets;
  }

  /** A link's name in lanes and in {@code inbox_link_done}. */
  static String linkKey(Link link) {
    return link.protocol() + " " + link.remoteId();
  }

  private void noteMembership(MatrixEvent event) {
    if (event.membership().isEmpty() || event.stateKey().isEmpty()) {
      return;
    }
    try {
      membership.membershipChanged(event.roomId(), UserId.of(event.stateKey().get()), event.membership().get());
    } catch (IllegalArgumentException e) {
      log.debug("member event {} has a state key that is not a user id", event.eventId());
    }
  }

  private List<Target> ephemeralTargets(InboxEntry entry) {
    if (entry.roomId() == null) {
      return List.of(); // presence: not bridged yet
    }
    List<Target> targets = new ArrayList<>();
    for (Link link : links.linksOf(RoomId.of(entry.roomId()))) {
      connectors.forProtocol(link.protocol())
          .filter(c -> c instanceof EphemeralCapable)
          .ifPresent(c -> targets.add(new Target(linkKey(link), Optional.of(c),
              () -> ((EphemeralCapable) c).onEphemeralEvent(entry.event(), link))));
    }
    return targets;
  }

  @Override
  public void close() {
    closed = true;
    done.close();
  }
}
