package dev.switchboard.core.inbox;

import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * Runs tasks one after another per key (a room) and keys in parallel, on a shared executor: no thread per room,
 * no global lock. A task is asynchronous: the next one for the key starts when its future completes.
 */
final class RoomQueues<T> {
  private final Executor executor;
  private final Function<T, CompletableFuture<?>> task;
  private final Map<String, Queue> queues = new ConcurrentHashMap<>();

  RoomQueues(Executor executor, Function<T, CompletableFuture<?>> task) {
    this.executor = executor;
    this.task = task;
  }

  private final class Queue {
    final String key;
    final ArrayDeque<T> items = new ArrayDeque<>();
    boolean running;

    Queue(String key) {
      this.key = key;
    }
  }

  void submit(String key, T item) {
    while (true) {
      Queue q = queues.computeIfAbsent(key, Queue::new);
      synchronized (q) {
        if (queues.get(key) != q) {
          continue; // removed while idle; take the new one
        }
        q.items.add(item);
        if (!q.running) {
          q.running = true;
          executor.execute(() -> runNext(q));
        }
        return;
      }
    }
  }

  private void runNext(Queue q) {
    T item;
    synchronized (q) {
      item = q.items.poll();
      if (item == null) {
        q.running = false;
        queues.remove(q.key, q);
        return;
      }
    }
    CompletableFuture<?> f;
    try {
      f = task.apply(item);
    } catch (RuntimeException e) {
      f = CompletableFuture.failedFuture(e);
    }
    f.whenComplete((ok, err) -> executor.execute(() -> runNext(q)));
  }

  /** Items waiting or running, over all keys (for metrics). */
  int waiting() {
    return queues.values().stream().mapToInt(q -> {
      synchronized (q) {
        return q.items.size() + (q.running ? 1 : 0);
      }
    }).sum();
  }
}
