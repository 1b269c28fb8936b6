package dev.switchboard.irc.network;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;

/**
 * What an {@link IrcConnection} holds back: lines for a channel until we are in it, private lines until we are
 * registered, a topic until we are in its channel, and the callers waiting for us to be in a channel. Not
 * thread-safe: the connection guards it with its own lock.
 */
final class HeldLines {
  /** A private line and the nick it goes to. */
  record PrivateLine(String nick, OutgoingLine line) {}

  private final Map<String, Queue<OutgoingLine>> byChannel = new HashMap<>();
  private final Queue<PrivateLine> privately = new ArrayDeque<>();
  private final Map<String, String> topics = new HashMap<>();
  private final Map<String, List<CompletableFuture<Void>>> inWaiters = new HashMap<>();

  /** Whether lines wait for the channel {@code key}. */
  boolean waitFor(String key) {
    Queue<OutgoingLine> waiting = byChannel.get(key);
    return waiting != null && !waiting.isEmpty();
  }

  void hold(String key, OutgoingLine line) {
    byChannel.computeIfAbsent(key, k -> new ArrayDeque<>()).add(line);
  }

  /** The lines held for channel {@code key}, in order, which are held no more. */
  List<OutgoingLine> take(String key) {
    Queue<OutgoingLine> waiting = byChannel.remove(key);
    return waiting == null ? List.of() : new ArrayList<>(waiting);
  }

  boolean anyPrivate() {
    return !privately.isEmpty();
  }

  void holdPrivate(String nick, OutgoingLine line) {
    privately.add(new PrivateLine(nick, line));
  }

  /** The private lines held, in order, which are held no more. */
  List<PrivateLine> takePrivate() {
    List<PrivateLine> all = new ArrayList<>(privately);
    privately.clear();
    return all;
  }

  /** Every line held, for channels and private, which are held no more. */
  List<OutgoingLine> takeAll() {
    List<OutgoingLine> all = new ArrayList<>();
    byChannel.values().forEach(all::addAll);
    byChannel.clear();
    privately.forEach(p -> all.add(p.line()));
    privately.clear();
    return all;
  }

  boolean isEmpty() {
    return privately.isEmpty() && byChannel.values().stream().allMatch(Queue::isEmpty);
  }

  /** {@code line} becomes the topic of channel {@code key} once we are in it (a later one replaces it). */
  void holdTopic(String key, String line) {
    topics.put(key, line);
  }

  Optional<String> takeTopic(String key) {
    return Optional.ofNullable(topics.remove(key));
  }

  void forgetTopic(String key) {
    topics.remove(key);
  }

  /** Completes when {@link #takeWaiters} or {@link #takeAllWaiters} hands it out (we are in, or need not wait). */
  CompletableFuture<Void> waitIn(String key) {
    CompletableFuture<Void> in = new CompletableFuture<>();
    inWaiters.computeIfAbsent(key, k -> new ArrayList<>()).add(in);
    return in;
  }

  /** The callers waiting to be in channel {@code key}, which wait no more. */
  List<CompletableFuture<Void>> takeWaiters(String key) {
    List<CompletableFuture<Void>> waiting = inWaiters.remove(key);
    return waiting == null ? List.of() : waiting;
  }

  List<CompletableFuture<Void>> takeAllWaiters() {
    List<CompletableFuture<Void>> all = new ArrayList<>();
    inWaiters.values().forEach(all::addAll);
    inWaiters.clear();
    return all;
  }
}
