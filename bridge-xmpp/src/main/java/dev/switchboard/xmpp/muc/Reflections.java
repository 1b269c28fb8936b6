package dev.switchboard.xmpp.muc;

import dev.switchboard.core.connector.RemoteUnavailableException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.jivesoftware.smack.packet.Message;
import org.jxmpp.jid.EntityBareJid;
import org.jxmpp.jid.Jid;

/**
 * Matrix deliveries to MUCs that count as done only when the MUC reflects the message back to the sending occupant
 * (XEP-0045 § 7.4: a MUC sends every groupchat message to all occupants, the sender included). A stanza written to
 * the socket can still die in the server (one shutting down neither routes nor bounces it, issue 15); the
 * reflection proves the MUC took it. No reflection within the bound, or a stream lost first, fails the delivery
 * with {@link RemoteUnavailableException}, so the dispatcher holds the event and sends it again: a repeat is a
 * duplicate only when the message got through and its reflection did not.
 *
 * <p>One map of pending entries keyed by (MUC, sending JID, our id); an entry leaves it on its reflection, an error
 * bounce, its timeout or the stream's loss. The dispatcher's lane sends one event of a room at a time, so a room
 * has at most one entry per link and its order holds.
 */
final class Reflections {
  /** How long a MUC may take to reflect a message (it is normally milliseconds) before we send it again. */
  static final Duration TIMEOUT = Duration.ofSeconds(15);

  private record Key(EntityBareJid muc, Jid sender, String id) {}

  private final Map<Key, CompletableFuture<Void>> pending = new ConcurrentHashMap<>();
  private final ScheduledExecutorService scheduler;
  /** Where futures complete: the dispatcher's continuation never runs on the stream's callback thread. */
  private final Executor completions;
  private final Duration timeout;

  Reflections(ScheduledExecutorService scheduler, Executor completions, Duration timeout) {
    this.scheduler = scheduler;
    this.completions = completions;
    this.timeout = timeout;
  }

  /**
   * Writes {@code message} (from our occupant's real JID to {@code muc}) with {@code write} and completes when the
   * MUC reflects it; fails as {@code write} fails, or with {@link RemoteUnavailableException} on timeout or stream
   * loss.
   */
  CompletableFuture<Void> send(EntityBareJid muc, Message message,
      Function<Message, CompletableFuture<Void>> write) {
    String id = MucStanzas.originId(message).orElse(message.getStanzaId());
    if (id == null || id.isEmpty() || message.getFrom() == null) {
      return write.apply(message); // nothing to recognise a reflection by: done when written, as before
    }
    Key key = new Key(muc, message.getFrom(), id);
    CompletableFuture<Void> reflected = new CompletableFuture<>();
    CompletableFuture<Void> earlier = pending.put(key, reflected);
    if (earlier != null) {
      // The same event sent again while its first copy waits: one reflection answers both.
      reflected.whenComplete((v, e) -> complete(earlier, e));
    }
    ScheduledFuture<?> timer = scheduler.schedule(() -> {
      if (pending.remove(key, reflected)) {
        complete(reflected, new RemoteUnavailableException(
            "no reflection from " + muc + " of message " + id + " within " + timeout.toSeconds() + " s"));
      }
    }, timeout.toMillis(), TimeUnit.MILLISECONDS);
    reflected.whenComplete((v, e) -> timer.cancel(false));
    write.apply(message).whenComplete((v, e) -> {
      if (e != null && pending.remove(key, reflected)) {
        complete(reflected, e);
      }
    });
    return reflected;
  }

  /**
   * Called for every message from a MUC to one of our JIDs (before anything else looks at it): completes the
   * delivery it reflects (or bounces). Returns whether it was one; the caller still handles the message as usual.
   */
  boolean onMessage(Message message) {
    if (pending.isEmpty() || message.getFrom() == null || message.getTo() == null
        || (message.getType() != Message.Type.groupchat && message.getType() != Message.Type.error)) {
      return false;
    }
    EntityBareJid muc = message.getFrom().asEntityBareJidIfPossible();
    if (muc == null) {
      return false;
    }
    List<String> ids = new ArrayList<>(2);
    MucStanzas.originId(message).ifPresent(ids::add);
    Optional.ofNullable(message.getStanzaId()).ifPresent(ids::add);
    for (String id : ids) {
      CompletableFuture<Void> reflected = pending.remove(new Key(muc, message.getTo(), id));
      if (reflected != null) {
        // A bounce is an answer too: the MUC refused the message (it is logged where errors are); sending it again
        // would be refused again and hold the room's lane for ever.
        complete(reflected, null);
        return true;
      }
    }
    return false;
  }

  /** Whether a reflection of a message sent from {@code sender} is awaited (then copies to it must be read). */
  boolean awaits(Jid sender) {
    for (Key key : pending.keySet()) {
      if (key.sender().equals(sender)) {
        return true;
      }
    }
    return false;
  }

  /** The stream went away: nothing on it will be reflected now, so every waiting delivery is sent again. */
  void onDisconnected() {
    for (Key key : List.copyOf(pending.keySet())) {
      CompletableFuture<Void> reflected = pending.remove(key);
      if (reflected != null) {
        complete(reflected, new RemoteUnavailableException(
            "the component stream was lost before " + key.muc() + " reflected message " + key.id()));
      }
    }
  }

  /** Deliveries waiting for their reflection. */
  int waiting() {
    return pending.size();
  }

  private void complete(CompletableFuture<Void> future, Throwable error) {
    Runnable done = error == null ? () -> future.complete(null) : () -> future.completeExceptionally(error);
    try {
      completions.execute(done);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      done.run();
    }
  }
}
