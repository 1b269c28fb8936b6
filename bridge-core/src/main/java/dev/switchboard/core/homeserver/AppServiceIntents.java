package dev.switchboard.core.homeserver;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The application service's intents: one for the bot ({@code sender_localpart}) and one per ghost, each remembering
 * (in memory) whether its user is registered and which rooms it joined. Room writes go through the
 * {@link OutboundQueue}, which this delivers. Each ghost's accepted {@code m.room.message} events are counted for the
 * connector it belongs to ({@code switchboard.<protocol>.messages{direction="to_matrix"}}); the bot's are not: they
 * are the bridge talking, not a message bridged.
 */
public final class AppServiceIntents implements Intents {
  private final HomeserverClient client;
  private final OutboundQueue queue;
  private final UserId botId;
  private final Predicate<UserId> ghostNamespace;
  private final Function<UserId, Runnable> messageCounter;
  private final ConcurrentHashMap<UserId, AppServiceIntent> intents = new ConcurrentHashMap<>();
  private final AppServiceIntent bot;

  /**
   * @param botId the bot, {@code @<sender_localpart>:<domain>}
   * @param ghostNamespace true for user ids in the registration's user namespaces, e.g.
   *     {@code u -> registration.namespaces().claimsUser(u.value())}
   * @param messageCounter for a ghost, what counts one message of it the homeserver accepted (asked once per ghost)
   */
  public AppServiceIntents(HomeserverClient client, OutboundQueue queue, UserId botId,
      Predicate<UserId> ghostNamespace, Function<UserId, Runnable> messageCounter) {
    this.client = Objects.requireNonNull(client);
    this.queue = Objects.requireNonNull(queue);
    this.botId = Objects.requireNonNull(botId);
    this.ghostNamespace = Objects.requireNonNull(ghostNamespace);
    this.messageCounter = Objects.requireNonNull(messageCounter);
    this.bot = new AppServiceIntent(this, client, queue, botId, true, () -> {});
    intents.put(botId, bot);
  }

  /** Starts the outbound queue, which first sends what the last run left. */
  public void start() {
    queue.start(this::deliver);
  }

  @Override
  public Intent bot() {
    return bot;
  }

  @Override
  public Intent ghost(UserId ghost) {
    return ghostIntent(ghost);
  }

  AppServiceIntent botIntent() {
    return bot;
  }

  private AppServiceIntent ghostIntent(UserId ghost) {
    if (ghost.equals(botId)) {
      return bot;
    }
    if (!ghostNamespace.test(ghost)) {
      throw new IllegalArgumentException(ghost + " is not in the registration's user namespaces");
    }
    return intents.computeIfAbsent(ghost,
        id -> new AppServiceIntent(this, client, queue, id, false, messageCounter.apply(id)));
  }

  /** Registers {@code user} when it is the bot or one of our ghosts; anyone else is left alone. */
  CompletableFuture<Void> registerIfOurs(UserId user) {
    if (user.equals(botId) || ghostNamespace.test(user)) {
      return ghostIntent(user).ensureRegistered();
    }
    return CompletableFuture.completedFuture(null);
  }

  /**
   * Keeps the joined-rooms memory true when a membership changes outside our own calls (a ghost kicked by a Matrix
   * user, say). The AS transaction handler should call this for every {@code m.room.member} event of our users.
   */
  public void membershipChanged(RoomId room, UserId user, String membership) {
    AppServiceIntent intent = intents.get(user);
    if (intent == null) {
      return;
    }
    if ("join".equals(membership)) {
      intent.rememberJoined(room);
    } else {
      intent.forgetJoined(room);
    }
  }

  /** Delivers one queued request as its sender: registers and joins first as needed. */
  CompletableFuture<JsonNode> deliver(OutboundRequest request) {
    AppServiceIntent sender;
    try {
      sender = request.sender().equals(botId) ? bot : ghostIntent(request.sender());
    } catch (IllegalArgumentException e) {
      // A row from a configuration whose namespaces no longer cover this user: it can never be sent.
      return CompletableFuture.failedFuture(e);
    }
    return sender.deliver(request);
  }
}
