package dev.switchboard.core.inbox;

import static dev.switchboard.core.failure.Failures.rootCause;
import dev.switchboard.core.connector.Connector;
import dev.switchboard.core.connector.Connectors;
import dev.switchboard.core.connector.EphemeralCapable;
import dev.switchboard.core.connector.Link;
import dev.switchboard.core.connector.LinkLookup;
import dev.switchboard.core.event.MatrixEvent;
import dev.switchboard.core.event.MatrixEvents;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
 * Hands inbox entries to connectors: in order per room, rooms in parallel. An entry is marked done when every
 * target connector has accepted it; after a crash the undone entries run again.
 *
 * <p>Echo suppression is per link (DESIGN.md): an event from a connector's own ghost never goes back to that
 * connector, but does go to the room's other links; the bot's own events go nowhere.
 */
public final class Dispatcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

  /** Delays between attempts when a connector fails an event; after the last, the event is logged and dropped. */
  private static final List<Duration> RETRY_DELAYS = List.of(Duration.ofMillis(500), Duration.ofSeconds(2));

  private final Connectors connectors;
  private final LinkLookup links;
  private final UserId bot;
  private final InboxStore store;
  private final ScheduledExecutorService scheduler;
  private final Duration acceptTimeout;
  private final DoneMarker done;
  private final RoomQueues<InboxEntry> queues;
  private final MembershipListener membership;
  private final BotRoomHandler botRooms;
  private final Counter dispatched;
  private final Counter failed;

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
    this.botRooms = botRooms;
    this.dispatched = Counter.builder("switchboard.events.dispatched")
        .description("Inbox entries every target accepted").register(metrics);
    this.failed = Counter.builder("switchboard.events.failed")
        .description("Inbox entries dropped after their last attempt failed").register(metrics);
    this.membership = membership;
    this.connectors = connectors;
    this.links = links;
    this.bot = bot;
    this.store = store;
    this.scheduler = scheduler;
    this.acceptTimeout = acceptTimeout;
    this.done = new DoneMarker(store);
    this.queues = new RoomQueues<>(workers, this::process);
  }

  /** Queues what a previous run left undone; call once at start, before new transactions arrive. */
  public int resumePending() {
    List<InboxEntry> pending = store.pending();
    submit(pending);
    if (!pending.isEmpty()) {
      log.info("Resuming {} inbox entries left undone by the previous run", pending.size());
    }
    return pending.size();
  }

  /** Queues entries just stored by the inbox, in their order. */
  public void submit(List<InboxEntry> entries) {
    for (InboxEntry e : entries) {
      queues.submit(e.queueKey(), e);
    }
  }

  /** Entries queued or running. */
  public int backlog() {
    return queues.waiting();
  }

  private CompletableFuture<Void> process(InboxEntry entry) {
    return deliverWithRetry(entry, 0).thenCompose(ignored -> done.mark(entry.seq()));
  }

  private CompletableFuture<Void> deliverWithRetry(InboxEntry entry, int attempt) {
    CompletableFuture<Void> result = new CompletableFuture<>();
    attempt(entry).whenComplete((ok, err) -> {
      if (err == null) {
        dispatched.increment();
        result.complete(null);
      } else if (attempt < RETRY_DELAYS.size()) {
        Duration delay = RETRY_DELAYS.get(attempt);
        log.debug("Retrying inbox entry {} in {} after {}", entry.seq(), delay, err.toString());
        scheduler.schedule(() -> deliverWithRetry(entry, attempt + 1).whenComplete((o, e) -> result.complete(null)),
            delay.toMillis(), TimeUnit.MILLISECONDS);
      } else {
        log.error("Dropping event {} in room {} after {} attempts: {}", entry.event().path("event_id").asText("-"),
            entry.roomId(), attempt + 1, rootCause(err).toString());
        failed.increment();
        result.complete(null);
      }
    });
    return result;
  }

  private CompletableFuture<Void> attempt(InboxEntry entry) {
    List<Supplier<CompletableFuture<Void>>> targets;
    try {
      targets = switch (entry.kind()) {
        case PDU -> pduTargets(MatrixEvents.fromJson(entry.event()));
        case EPHEMERAL -> ephemeralTargets(entry);
        case TO_DEVICE -> List.of(); // no end-to-end encryption yet: nothing consumes to-device messages
      };
    } catch (IllegalArgumentException e) {
      log.warn("Skipping inbox entry {}: {}", entry.seq(), e.getMessage());
      return CompletableFuture.completedFuture(null);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    if (targets.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<?>[] calls = new CompletableFuture<?>[targets.size()];
    for (int i = 0; i < calls.length; i++) {
      CompletableFuture<Void> call;
      try {
        call = targets.get(i).get();
      } catch (RuntimeException e) {
        call = CompletableFuture.failedFuture(e);
      }
      calls[i] = call.orTimeout(acceptTimeout.toMillis(), TimeUnit.MILLISECONDS);
    }
    return CompletableFuture.allOf(calls);
  }

  private List<Supplier<CompletableFuture<Void>>> pduTargets(MatrixEvent event) {
    noteMembership(event);
    if (event.sender().equals(bot)) {
      return List.of();
    }
    List<Link> roomLinks = links.linksOf(event.roomId());
    if (botRooms.claims(event, roomLinks)) {
      return List.of(() -> botRooms.handle(event, roomLinks));
    }
    List<Supplier<CompletableFuture<Void>>> targets = new ArrayList<>();
    for (Link link : roomLinks) {
      Optional<Connector> connector = connectors.forProtocol(link.protocol());
      if (connector.isEmpty() || connector.get().namespaces().claimsUser(event.sender().value())) {
        continue; // connector disabled, or an echo of its own ghost
      }
      targets.add(() -> connector.get().onMatrixEvent(event, Optional.of(link)));
    }
    if (targets.isEmpty() && event.membership().isPresent() && event.stateKey().isPresent()) {
      // Outside any link: membership aimed at a ghost (an invite to a DM) goes to the ghost's connector.
      try {
        UserId target = UserId.of(event.stateKey().get());
        connectors.owningUser(target)
            .filter(c -> !c.namespaces().claimsUser(event.sender().value()))
            .ifPresent(c -> targets.add(() -> c.onMatrixEvent(event, Optional.empty())));
      } catch (IllegalArgumentException e) {
        log.debug("member event {} has a state key that is not a user id", event.eventId());
      }
    }
    return targets;
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

  private List<Supplier<CompletableFuture<Void>>> ephemeralTargets(InboxEntry entry) {
    if (entry.roomId() == null) {
      return List.of(); // presence: not bridged yet
    }
    List<Supplier<CompletableFuture<Void>>> targets = new ArrayList<>();
    for (Link link : links.linksOf(RoomId.of(entry.roomId()))) {
      connectors.forProtocol(link.protocol())
          .filter(c -> c instanceof EphemeralCapable)
          .map(c -> (EphemeralCapable) c)
          .ifPresent(c -> targets.add(() -> c.onEphemeralEvent(entry.event(), link)));
    }
    return targets;
  }

  @Override
  public void close() {
    done.close();
  }
}
