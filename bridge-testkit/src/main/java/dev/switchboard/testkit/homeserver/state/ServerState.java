package dev.switchboard.testkit.homeserver.state;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.testkit.homeserver.AppServiceRegistration;
import dev.switchboard.testkit.homeserver.MatrixException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Everything the homeserver keeps: accounts, tokens, rooms, events, aliases, media, app services. One lock guards
 * it all (a test server favours obvious correctness over throughput); {@link #awaitChange} wakes on every change.
 */
public final class ServerState {
  /** Told about every new event and ephemeral event, under the lock, in stream order. */
  public interface Listener {
    void onEvent(Event event, Room room);

    void onEphemeral(ObjectNode edu, Room room);
  }

  /** An uploaded file. */
  /** A file of the content repository; {@code body} is uploaded bytes, or generated ({@code SyntheticMedia}). */
  public record Media(String mediaId, String contentType, String fileName,
      dev.switchboard.testkit.homeserver.http.StreamedBody body) {}

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final String serverName;
  private final Clock clock;
  private final Random random;
  private final Map<String, Account> accounts = new LinkedHashMap<>();
  private final Map<String, String> tokens = new HashMap<>();
  private final Map<String, Room> rooms = new LinkedHashMap<>();
  private final Map<String, Event> events = new HashMap<>();
  private final List<String> stream = new ArrayList<>();
  private final Map<String, String> aliases = new LinkedHashMap<>();
  private final Map<String, String> aliasCreators = new HashMap<>();
  private final java.util.Set<String> published = new java.util.LinkedHashSet<>();
  private final Map<String, Media> media = new HashMap<>();
  private final Map<Object, String> transactions = new HashMap<>();
  private final List<AppServiceRegistration> appServices = new CopyOnWriteArrayList<>();
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();

  public ServerState(String serverName, Clock clock, Random random) {
    this.serverName = serverName;
    this.clock = clock;
    this.random = random;
  }

  public String serverName() {
    return serverName;
  }

  public Clock clock() {
    return clock;
  }

  public long now() {
    return clock.millis();
  }

  // ---- locking

  public <T> T locked(Supplier<T> action) {
    lock.lock();
    try {
      return action.get();
    } finally {
      lock.unlock();
    }
  }

  public void locked(Runnable action) {
    locked(() -> {
      action.run();
      return null;
    });
  }

  /** Waits (lock held by the caller) until something changes or the timeout passes. */
  public void awaitChange(long millis) throws InterruptedException {
    changed.await(millis, TimeUnit.MILLISECONDS);
  }

  public void signalChange() {
    lock.lock();
    try {
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  public void addListener(Listener listener) {
    listeners.add(listener);
  }

  public void removeListener(Listener listener) {
    listeners.remove(listener);
  }

  // ---- ids

  public String randomString(int length) {
    String letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    StringBuilder out = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      out.append(letters.charAt(random.nextInt(letters.length())));
    }
    return out.toString();
  }

  private String newEventId() {
    // Room versions 4+: '$' + unpadded URL-safe base64 of a 32-byte hash.
    byte[] bytes = new byte[32];
    random.nextBytes(bytes);
    return "$" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  // ---- accounts and tokens

  public Account account(String userId) {
    return accounts.get(userId);
  }

  public List<Account> accounts() {
    return List.copyOf(accounts.values());
  }

  public Account createAccount(String userId, String appServiceId) {
    Account account = new Account(userId, appServiceId, localpart(userId), null);
    accounts.put(userId, account);
    changed.signalAll();
    return account;
  }

  public void updateAccount(Account account) {
    accounts.put(account.userId(), account);
  }

  public String issueToken(String userId) {
    String token = "syt_" + randomString(24);
    tokens.put(token, userId);
    return token;
  }

  public String userForToken(String token) {
    return tokens.get(token);
  }

  public static String localpart(String userId) {
    int colon = userId.indexOf(':');
    return userId.substring(1, colon < 0 ? userId.length() : colon);
  }

  // ---- application services

  public void addAppService(AppServiceRegistration registration) {
    appServices.add(registration);
  }

  public List<AppServiceRegistration> appServices() {
    return List.copyOf(appServices);
  }

  public AppServiceRegistration appServiceForToken(String token) {
    return appServices.stream().filter(a -> a.asToken().equals(token)).findFirst().orElse(null);
  }

  /** The AS that exclusively owns a user id, if any. */
  public AppServiceRegistration exclusiveUserOwner(String userId) {
    return appServices.stream().filter(a -> a.isExclusiveUser(userId)).findFirst().orElse(null);
  }

  public AppServiceRegistration exclusiveAliasOwner(String alias) {
    return appServices.stream().filter(a -> a.isExclusiveAlias(alias)).findFirst().orElse(null);
  }

  // ---- rooms and events

  public Room newRoom(String creator) {
    String roomId = "!" + randomString(18) + ":" + serverName;
    Room room = new Room(roomId, creator);
    rooms.put(roomId, room);
    return room;
  }

  /**
   * A room of version 12 or later: its id is {@code '!'} and the create event's hash, without a server name (the
   * create event, appended next with {@link #appendCreate}, has the id {@code '$'} and the same hash).
   */
  public Room newHashedRoom(String creator) {
    String roomId = "!" + newEventId().substring(1);
    Room room = new Room(roomId, creator);
    rooms.put(roomId, room);
    return room;
  }

  /** Appends the create event of a room made by {@link #newHashedRoom}, with the event id its room id implies. */
  public Event appendCreate(Room room, String sender, ObjectNode content, Long ts) {
    return append(room, "m.room.create", sender, "", content, ts, null, "$" + room.roomId().substring(1));
  }

  public Room room(String roomId) {
    return rooms.get(roomId);
  }

  public Room requireRoom(String roomId) {
    Room room = rooms.get(roomId);
    if (room == null) {
      throw MatrixException.notFound("Unknown room " + roomId);
    }
    return room;
  }

  public List<Room> rooms() {
    return List.copyOf(rooms.values());
  }

  public Event event(String eventId) {
    return events.get(eventId);
  }

  public List<Event> timeline(Room room) {
    return room.timeline.stream().map(events::get).toList();
  }

  public List<Event> currentState(Room room) {
    return room.state.values().stream().map(events::get).toList();
  }

  public Event stateEvent(Room room, String type, String stateKey) {
    String id = room.stateEventId(type, stateKey);
    return id == null ? null : events.get(id);
  }

  public JsonNode stateContent(Room room, String type, String stateKey) {
    Event e = stateEvent(room, type, stateKey);
    return e == null ? null : e.content();
  }

  /** Current membership of a user ("join", "invite", "leave", "ban") or {@code null} if never a member. */
  public String membership(Room room, String userId) {
    JsonNode content = stateContent(room, "m.room.member", userId);
    return content == null ? null : content.path("membership").asText(null);
  }

  public List<String> membersWith(Room room, String membership) {
    List<String> out = new ArrayList<>();
    for (Map.Entry<Room.StateKey, String> e : room.state.entrySet()) {
      if (e.getKey().type().equals("m.room.member")
          && membership.equals(events.get(e.getValue()).content().path("membership").asText())) {
        out.add(e.getKey().stateKey());
      }
    }
    return out;
  }

  /** Appends an event to the room (and its state, for a state event) and tells the listeners. */
  public Event append(Room room, String type, String sender, String stateKey, ObjectNode content, Long ts,
      String redacts) {
    return append(room, type, sender, stateKey, content, ts, redacts, newEventId());
  }

  private Event append(Room room, String type, String sender, String stateKey, ObjectNode content, Long ts,
      String redacts, String eventId) {
    long at = ts != null ? ts : now();
    ObjectNode prev = null;
    if (stateKey != null) {
      Event old = stateEvent(room, type, stateKey);
      prev = old == null ? null : old.content();
    }
    Event event = new Event(stream.size() + 1L, eventId, room.roomId(), type, sender, stateKey, content, at,
        redacts, prev, null);
    events.put(event.eventId(), event);
    stream.add(event.eventId());
    room.timeline.add(event.eventId());
    if (stateKey != null) {
      room.state.put(new Room.StateKey(type, stateKey), event.eventId());
    }
    for (Listener l : listeners) {
      l.onEvent(event, room);
    }
    changed.signalAll();
    return event;
  }

  /** Replaces an event by its redacted form (spec: redaction algorithm, simplified to the common keys). */
  public void redact(Event target, String redactionId) {
    ObjectNode kept = JsonNodeFactory.instance.objectNode();
    List<String> keep = switch (target.type()) {
      case "m.room.member" -> List.of("membership", "join_authorised_via_users_server");
      case "m.room.create" -> List.of("creator", "room_version");
      case "m.room.join_rules" -> List.of("join_rule", "allow");
      case "m.room.power_levels" -> List.of("ban", "events", "events_default", "invite", "kick", "redact",
          "state_default", "users", "users_default");
      case "m.room.history_visibility" -> List.of("history_visibility");
      default -> List.of();
    };
    keep.forEach(k -> {
      if (target.content().has(k)) {
        kept.set(k, target.content().get(k));
      }
    });
    events.put(target.eventId(), target.redacted(redactionId, kept));
    changed.signalAll();
  }

  public void ephemeral(Room room, ObjectNode edu) {
    for (Listener l : listeners) {
      l.onEphemeral(edu, room);
    }
    changed.signalAll();
  }

  // ---- aliases

  public String aliasTarget(String alias) {
    return aliases.get(alias);
  }

  public String aliasCreator(String alias) {
    return aliasCreators.get(alias);
  }

  public void putAlias(String alias, String roomId, String creator) {
    aliases.put(alias, roomId);
    aliasCreators.put(alias, creator);
    changed.signalAll();
  }

  public void removeAlias(String alias) {
    aliases.remove(alias);
    aliasCreators.remove(alias);
  }

  public List<String> aliasesOf(String roomId) {
    return aliases.entrySet().stream().filter(e -> e.getValue().equals(roomId)).map(Map.Entry::getKey).toList();
  }

  // ---- published room directory

  /** Publishes or withdraws a room in the published room directory ({@code /publicRooms}). */
  public void setPublished(String roomId, boolean isPublished) {
    if (isPublished) {
      published.add(roomId);
    } else {
      published.remove(roomId);
    }
  }

  public boolean isPublished(String roomId) {
    return published.contains(roomId);
  }

  /** The published rooms, in the order they were published. */
  public List<String> publishedRooms() {
    return List.copyOf(published);
  }

  // ---- media

  public Media putMedia(String contentType, String fileName, dev.switchboard.testkit.homeserver.http.StreamedBody body) {
    Media m = new Media(randomString(24), contentType, fileName, body);
    media.put(m.mediaId(), m);
    return m;
  }

  public Media media(String mediaId) {
    return media.get(mediaId);
  }

  // ---- client transaction ids

  /** The event id an earlier request with the same transaction key produced, if any. */
  public String transaction(Object key) {
    return transactions.get(key);
  }

  public void rememberTransaction(Object key, String eventId) {
    transactions.put(key, eventId);
  }

  /** Synapse keeps its client transaction cache in memory only: a restart forgets it. */
  public void forgetTransactions() {
    transactions.clear();
  }
}
