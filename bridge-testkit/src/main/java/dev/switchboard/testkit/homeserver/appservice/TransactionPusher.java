package dev.switchboard.testkit.homeserver.appservice;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.testkit.homeserver.AppServiceRegistration;
import dev.switchboard.testkit.homeserver.AsTransaction;
import dev.switchboard.testkit.homeserver.state.Event;
import dev.switchboard.testkit.homeserver.state.Room;
import dev.switchboard.testkit.homeserver.state.ServerState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.Consumer;

/**
 * Pushes events to one application service the way Synapse does: events in stream order, exactly one transaction
 * in flight, a failed transaction retried with the same id and body after an exponential backoff, ids counting up
 * from 1 (and, as on Synapse with SQLite, from 1 again after a restart).
 */
public final class TransactionPusher implements ServerState.Listener {
  private record InFlight(String txnId, ObjectNode body) {}

  private final AppServiceRegistration as;
  private final ServerState state;
  private final AppServiceClient client;
  private final PushFaults faults;
  private final Consumer<AsTransaction> log;
  private final int maxEvents;
  private final boolean legacy;
  private final Duration initialBackoff;
  private final Duration maxBackoff;
  // Guarded by the state lock.
  private final Deque<String> pendingEvents = new ArrayDeque<>();
  private final Deque<ObjectNode> pendingEphemeral = new ArrayDeque<>();
  private InFlight inFlight;
  private long nextTxnId = 1;
  private Thread thread;
  private volatile boolean running;

  public TransactionPusher(AppServiceRegistration as, ServerState state, AppServiceClient client, PushFaults faults,
      Consumer<AsTransaction> log, int maxEvents, boolean legacy, Duration initialBackoff, Duration maxBackoff) {
    this.as = as;
    this.state = state;
    this.client = client;
    this.faults = faults;
    this.log = log;
    this.maxEvents = maxEvents;
    this.legacy = legacy;
    this.initialBackoff = initialBackoff;
    this.maxBackoff = maxBackoff;
  }

  public AppServiceRegistration appService() {
    return as;
  }

  @Override
  public void onEvent(Event event, Room room) {
    if (as.url() != null && isInterested(event, room)) {
      pendingEvents.add(event.eventId());
    }
  }

  @Override
  public void onEphemeral(ObjectNode edu, Room room) {
    if (as.url() != null && as.receiveEphemeral() && isInterestedInRoom(room)) {
      pendingEphemeral.add(edu);
    }
  }

  // Synapse's ApplicationService.is_interested_in_event, checked when the event is persisted.
  private boolean isInterested(Event event, Room room) {
    String server = state.serverName();
    if (as.isInterestedInUser(event.sender(), server)) {
      return true;
    }
    if ("m.room.member".equals(event.type()) && event.stateKey() != null
        && as.isInterestedInUser(event.stateKey(), server)) {
      return true;
    }
    return isInterestedInRoom(room);
  }

  private boolean isInterestedInRoom(Room room) {
    if (as.isInterestedInRoom(room.roomId())) {
      return true;
    }
    if (state.aliasesOf(room.roomId()).stream().anyMatch(as::isInterestedInAlias)) {
      return true;
    }
    // Synapse looks at the joined local members only, not the invited ones.
    return state.membersWith(room, "join").stream().anyMatch(u -> as.isInterestedInUser(u, state.serverName()));
  }

  public void start() {
    running = true;
    thread = new Thread(this::run, "testkit-as-pusher-" + as.id());
    thread.setDaemon(true);
    thread.start();
  }

  public void stop() {
    running = false;
    Thread t = thread;
    if (t != null) {
      t.interrupt();
      try {
        t.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** A homeserver restart: the transaction in flight stays (and is sent again first), the id counter restarts. */
  public void restart() {
    stop();
    state.locked(() -> nextTxnId = 1);
    start();
  }

  /** True when nothing is waiting or in flight. */
  public boolean idle() {
    return state.locked(() -> inFlight == null && pendingEvents.isEmpty() && pendingEphemeral.isEmpty());
  }

  private void run() {
    Duration backoff = initialBackoff;
    while (running) {
      InFlight txn = nextTransaction();
      if (txn == null) {
        continue;
      }
      try {
        Duration delay = faults.pushDelay();
        if (!delay.isZero()) {
          Thread.sleep(delay.toMillis());
        }
      } catch (InterruptedException e) {
        return;
      }
      AppServiceClient.Answer answer;
      if (faults.takePushFailure()) {
        answer = new AppServiceClient.Answer(0, null, "connection failed (injected)");
      } else {
        answer = client.pushTransaction(as, txn.txnId(), txn.body());
      }
      if (!running && answer.status() == 0) {
        return;
      }
      log.accept(new AsTransaction(as.id(), txn.txnId(), txn.body().deepCopy(), answer.status(),
          answer.ok() ? null : answer.failure() != null ? answer.failure() : "status " + answer.status(),
          Instant.now()));
      if (answer.ok()) {
        state.locked(() -> {
          if (inFlight == txn) {
            inFlight = null;
          }
          state.signalChange();
        });
        backoff = initialBackoff;
      } else {
        try {
          Thread.sleep(backoff.toMillis());
        } catch (InterruptedException e) {
          return;
        }
        backoff = backoff.multipliedBy(2).compareTo(maxBackoff) > 0 ? maxBackoff : backoff.multipliedBy(2);
      }
    }
  }

  // Waits for work; null when stopping.
  private InFlight nextTransaction() {
    return state.locked(() -> {
      try {
        while (running && (faults.pushesBlocked()
            || (inFlight == null && pendingEvents.isEmpty() && pendingEphemeral.isEmpty()))) {
          state.awaitChange(50);
        }
      } catch (InterruptedException e) {
        return null;
      }
      if (!running) {
        return null;
      }
      if (inFlight == null) {
        inFlight = new InFlight(Long.toString(nextTxnId++), buildBody());
      }
      return inFlight;
    });
  }

  private ObjectNode buildBody() {
    long now = state.now();
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    ArrayNode events = body.putArray("events");
    while (!pendingEvents.isEmpty() && events.size() < maxEvents) {
      events.add(state.event(pendingEvents.poll()).toJson(now));
    }
    if (!pendingEphemeral.isEmpty()) {
      ArrayNode ephemeral = JsonNodeFactory.instance.arrayNode();
      while (!pendingEphemeral.isEmpty() && ephemeral.size() < maxEvents) {
        ephemeral.add(pendingEphemeral.poll());
      }
      // MSC2409's unstable key, which Synapse still sends; the stable key since Matrix 1.13.
      body.set("de.sorunome.msc2409.ephemeral", ephemeral);
      if (!legacy) {
        body.set("ephemeral", ephemeral.deepCopy());
      }
    }
    return body;
  }
}
