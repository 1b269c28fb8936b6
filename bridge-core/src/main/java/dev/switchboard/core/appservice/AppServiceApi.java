package dev.switchboard.core.appservice;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.switchboard.core.connector.Connector;
import dev.switchboard.core.connector.Connectors;
import dev.switchboard.core.connector.ThirdPartyCapable;
import dev.switchboard.core.id.RoomAlias;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.inbox.Inbox;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What each AS API endpoint does, apart from HTTP: the transport hands it routed, authenticated requests. */
final class AppServiceApi {
  private static final Logger log = LoggerFactory.getLogger(AppServiceApi.class);

  private final Inbox inbox;
  private final Connectors connectors;
  private final Duration queryTimeout;

  AppServiceApi(Inbox inbox, Connectors connectors, Duration queryTimeout) {
    this.inbox = inbox;
    this.connectors = connectors;
    this.queryTimeout = queryTimeout;
  }

  /**
   * Handles a request; may block (the transaction endpoint writes to the database). {@code acknowledge} gets the
   * reply early when there is one before the work is over: the transaction endpoint's 200 once the commit is done.
   */
  CompletableFuture<Reply> handle(Endpoint.Match match, Map<String, List<String>> query, byte[] rawBody,
      JsonNode body, java.util.function.Consumer<Reply> acknowledge) {
    String param = match.parameter().orElse("");
    return switch (match.endpoint()) {
      case TRANSACTION -> transaction(param, rawBody, acknowledge);
      case PING -> CompletableFuture.completedFuture(Reply.empty());
      case USER -> userQuery(param);
      case ROOM_ALIAS -> aliasQuery(param);
      case THIRDPARTY_PROTOCOL -> thirdParty(param, tp -> CompletableFuture.completedFuture(tp.thirdPartyProtocol()),
          true);
      case THIRDPARTY_LOCATION -> thirdParty(param, tp -> tp.thirdPartyLocations(fields(query)), false);
      case THIRDPARTY_USER -> thirdParty(param, tp -> tp.thirdPartyUsers(fields(query)), false);
      case THIRDPARTY_LOCATION_BY_ALIAS -> reverseLookup(first(query, "alias"), "alias",
          (tp, v) -> tp.thirdPartyLocationsForAlias(v));
      case THIRDPARTY_USER_BY_ID -> reverseLookup(first(query, "userid"), "userid",
          (tp, v) -> tp.thirdPartyUsersForUserId(v));
    };
  }

  /** Acknowledges as soon as the transaction is committed: dispatch is queued after the 200 is on its way. */
  private CompletableFuture<Reply> transaction(String txnId, byte[] rawBody, java.util.function.Consumer<Reply>
      acknowledge) {
    CompletableFuture<Reply> reply = new CompletableFuture<>();
    try {
      Inbox.Outcome outcome = inbox.receive(txnId, rawBody, stored -> acknowledge.accept(Reply.empty()));
      if (!outcome.duplicate()) {
        log.debug("Transaction {}: {} new events, {} seen before, {} malformed skipped", txnId, outcome.stored(),
            outcome.alreadySeen(), outcome.skipped());
      }
      reply.complete(Reply.empty());
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      reply.complete(Reply.error(400, "M_NOT_JSON", "Request body is not valid JSON"));
    } catch (java.io.IOException e) {
      reply.completeExceptionally(new java.io.UncheckedIOException(e));
    } catch (IllegalArgumentException e) {
      reply.complete(Reply.error(400, "M_BAD_JSON", e.getMessage()));
    } catch (RuntimeException e) {
      // Before the commit this is a 500; after it (queueing for dispatch failed) the 200 has gone, and the failure
      // is only logged: the events wait in the inbox for the next start.
      reply.completeExceptionally(e);
    }
    return reply;
  }

  private CompletableFuture<Reply> userQuery(String raw) {
    UserId user;
    try {
      user = UserId.of(raw);
    } catch (IllegalArgumentException e) {
      return done(Reply.error(400, "M_INVALID_PARAM", e.getMessage()));
    }
    Optional<Connector> owner = connectors.owningUser(user);
    if (owner.isEmpty()) {
      return done(notFound("no connector claims " + user));
    }
    return bounded(owner.get().onUserQuery(user), "user query for " + user)
        .thenApply(exists -> exists ? Reply.empty() : notFound("no such user " + user));
  }

  private CompletableFuture<Reply> aliasQuery(String raw) {
    RoomAlias alias;
    try {
      alias = RoomAlias.of(raw);
    } catch (IllegalArgumentException e) {
      return done(Reply.error(400, "M_INVALID_PARAM", e.getMessage()));
    }
    Optional<Connector> owner = connectors.owningAlias(alias);
    if (owner.isEmpty()) {
      return done(notFound("no connector claims " + alias));
    }
    return bounded(owner.get().onAliasQuery(alias), "alias query for " + alias)
        .thenApply(room -> room.isPresent() ? Reply.empty() : notFound("no such room " + alias));
  }

  private CompletableFuture<Reply> thirdParty(String protocol,
      Function<ThirdPartyCapable, CompletableFuture<? extends JsonNode>> lookup, boolean protocolItself) {
    Optional<ThirdPartyCapable> tp = connectors.forThirdPartyProtocol(protocol)
        .filter(c -> c instanceof ThirdPartyCapable)
        .map(c -> (ThirdPartyCapable) c);
    if (tp.isEmpty()) {
      return done(notFound("unknown protocol " + protocol));
    }
    return bounded(lookup.apply(tp.get()), "third-party lookup for " + protocol)
        .thenApply(result -> !protocolItself && result.isArray() && result.isEmpty()
            ? notFound("nothing matched in protocol " + protocol) // the spec's answer for no match
            : Reply.ok(result));
  }

  private CompletableFuture<Reply> reverseLookup(Optional<String> value, String name,
      java.util.function.BiFunction<ThirdPartyCapable, String, CompletableFuture<ArrayNode>> lookup) {
    if (value.isEmpty()) {
      return done(Reply.error(400, "M_MISSING_PARAM", "query parameter '" + name + "' is required"));
    }
    List<CompletableFuture<ArrayNode>> calls = connectors.all().stream()
        .filter(c -> c instanceof ThirdPartyCapable)
        .map(c -> bounded(lookup.apply((ThirdPartyCapable) c, value.get()), "third-party reverse lookup"))
        .toList();
    return CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).thenApply(v -> {
      ArrayNode all = JsonNodeFactory.instance.arrayNode();
      calls.forEach(f -> all.addAll(f.join()));
      return all.isEmpty() ? notFound("no mapping for " + value.get()) : Reply.ok(all);
    });
  }

  /** A connector that does not answer in time gets 504 rather than holding the homeserver's request forever. */
  private <T> CompletableFuture<T> bounded(CompletableFuture<T> call, String what) {
    return call.orTimeout(queryTimeout.toMillis(), TimeUnit.MILLISECONDS).whenComplete((ok, err) -> {
      if (err != null) {
        Throwable cause = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
        log.warn("{} failed: {}", what, cause instanceof TimeoutException ? "timed out" : cause.toString());
      }
    });
  }

  private static Map<String, String> fields(Map<String, List<String>> query) {
    Map<String, String> out = new LinkedHashMap<>();
    query.forEach((k, v) -> {
      if (!k.equals("access_token") && !v.isEmpty()) {
        out.put(k, v.get(0));
      }
    });
    return out;
  }

  private static Optional<String> first(Map<String, List<String>> query, String name) {
    List<String> v = query.get(name);
    return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v.get(0));
  }

  private static Reply notFound(String message) {
    return Reply.error(404, "M_NOT_FOUND", message);
  }

  private static CompletableFuture<Reply> done(Reply reply) {
    return CompletableFuture.completedFuture(reply);
  }
}
