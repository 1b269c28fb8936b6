package dev.switchboard.core.ordering;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bridge's one per-key ordering: tasks of a key (a room, a link's lane, a connection) run one after another in
 * submission order, keys run in parallel, all on a shared executor: no thread per key and no global lock. A task is
 * asynchronous; the next one of its key starts when its stage settles, whether it succeeded or failed, so one bad
 * task never stops its lane. A key with nothing waiting or running holds no memory.
 *
 * <p>A pipelined task ({@link #submitPipelined}) lets its lane go on once it has handed its work over (to a queue that
 * keeps order itself, e.g. the outbound queue) instead of once that work is done; a plain task still waits for all
 * the handed-over work before it, so it never overtakes work queued elsewhere.
 *
 * <p>Threads: a task starts on the executor; with a pool that is never the submitter's thread. With {@link #INLINE}
 * an idle lane's task starts on the submitter's thread and each next one on the thread that settled the task before
 * it, with no hand-off: for tasks that only start asynchronous work, such as the outbound queue's sends or a line
 * handed to it. A hand-off to a shared pool costs a queue wait behind that pool's blocking work for every task (the
 * IRC → Matrix p50 went from 2 ms to 600 ms at 200 lines/s when the IRC room lanes ran on the blocking pool). A task's result completes on whatever thread completed the task's own stage, after the lane has moved
 * on (a caller's continuation cannot stall the lane).
 */
public final class KeyedSerialExecutor<K> {
  private static final Logger log = LoggerFactory.getLogger(KeyedSerialExecutor.class);

  private static final Runnable NOTHING = () -> { };

  /**
   * Tasks one thread runs in a row for a lane before it hands the lane back to the executor's queue, so a busy lane
   * whose tasks all hand over at once cannot keep a shared pool's thread from the other lanes.
   */
  private static final int MAX_BURST = 64;

  /** The lane whose head this thread is running, if any. */
  private static final ThreadLocal<Object> RUNNING_HEAD = new ThreadLocal<>();

  /**
   * Runs a task at once on the calling thread, except inside another task this executor is running on that thread:
   * then after it, in order (a trampoline). So a lane draining many tasks that each complete at once does so in a
   * loop, not in a recursion as deep as its queue.
   */
  public static final Executor INLINE = new Executor() {
    private final ThreadLocal<ArrayDeque<Runnable>> running = new ThreadLocal<>();

    @Override
    public void execute(Runnable task) {
      ArrayDeque<Runnable> queue = running.get();
      if (queue != null) {
        queue.add(task);
        return;
      }
      queue = new ArrayDeque<>();
      running.set(queue);
      try {
        for (Runnable next = task; next != null; next = queue.poll()) {
          try {
            next.run();
          } catch (RuntimeException e) {
            log.error("An inline task failed; the next one runs", e);
          }
        }
      } finally {
        running.remove();
      }
    }
  };

  private final Executor executor;
  private final String name;
  private final Map<K, Lane> lanes = new ConcurrentHashMap<>();

  /**
   * @param executor where tasks start
   * @param name what the lanes are, for logs (e.g. {@code "dispatch"})
   */
  public KeyedSerialExecutor(Executor executor, String name) {
    this.executor = executor;
    this.name = name;
  }

  /**
   * One task: its first stage hands work over, the second is the work's own result. A plain task is one whose work
   * is done when its first stage is ({@code barrier}: it also waits for earlier tasks' handed-over work).
   */
  private record Job<T>(boolean barrier, Supplier<? extends CompletionStage<? extends CompletionStage<T>>> task,
      CompletableFuture<T> result) {}

  /** One key's queue. Guarded by its own monitor; retired (removed from {@code lanes}) only when idle. */
  private final class Lane {
    final K key;
    final ArrayDeque<Job<?>> jobs = new ArrayDeque<>();
    /** A job is starting or its first stage has not completed yet. */
    boolean running;
    /** Pipelined jobs whose work was handed over but has not settled. */
    int unsettled;
    /**
     * The thread that goes on with the next head, which may start (see {@link #runHead}): the one whose head handed
     * over at once. Only that thread's loop may take it, never another one that ran an earlier head.
     */
    Thread again;

    Lane(K key) {
      this.key = key;
    }
  }

  /**
   * Runs {@code task} once every earlier task of {@code key} has settled (success or failure); tasks of one key never
   * overlap. The result is the task's own; a throw becomes a failed future. The lane goes on either way.
   */
  public <T> CompletableFuture<T> submit(K key, Supplier<? extends CompletionStage<T>> task) {
    return submit(key, NOTHING, task);
  }

  /**
   * Like {@link #submit(Object, Supplier)}, and runs {@code whenQueued} in the locked step that queues the task, so
   * what it does happens in the lane's order: of two tasks of one key, the one whose {@code whenQueued} ran first runs
   * first. The outbound queue takes a request's sequence number there, so a room's numbers are its send order.
   * {@code whenQueued} must be short and must not call this executor; if it throws, nothing is queued and the throw
   * reaches the caller.
   */
  public <T> CompletableFuture<T> submit(K key, Runnable whenQueued, Supplier<? extends CompletionStage<T>> task) {
    Job<T> job = new Job<>(true, () -> task.get().thenApply(CompletableFuture::completedFuture),
        new CompletableFuture<>());
    try {
      enqueue(key, job, whenQueued);
    } catch (RejectedExecutionException e) {
      // The job has already failed with it.
    }
    return job.result();
  }

  /**
   * Runs {@code task} once the earlier tasks of {@code key} have handed their work over (plain tasks: settled). The
   * lane lets the next pipelined task start as soon as this one's outer stage completes; a later plain
   * {@link #submit} waits until every earlier inner stage has settled too. Returns the inner stage's result (or the
   * outer one's failure).
   */
  public <T> CompletableFuture<T> submitPipelined(K key,
      Supplier<? extends CompletionStage<? extends CompletionStage<T>>> task) {
    Job<T> job = new Job<>(false, task, new CompletableFuture<>());
    try {
      enqueue(key, job, NOTHING);
    } catch (RejectedExecutionException e) {
      // The job has already failed with it.
    }
    return job.result();
  }

  /**
   * The lane of {@code key} as an {@link Executor}: runnables run one at a time in order, after the key's earlier
   * tasks. A runnable that throws is logged and the next one runs. Throws {@link RejectedExecutionException} when the
   * underlying executor refuses work.
   */
  public Executor lane(K key) {
    return runnable -> {
      Job<Void> job = new Job<>(true, () -> {
        runnable.run();
        return CompletableFuture.completedFuture(CompletableFuture.completedFuture(null));
      }, new CompletableFuture<>());
      enqueue(key, job, NOTHING);
      job.result().whenComplete((ok, e) -> {
        if (e != null && !(e instanceof RejectedExecutionException)) {
          log.error("A task in {} lane {} failed; the next one runs", name, key, e);
        }
      });
    };
  }

  /** Tasks waiting or running (including handed-over work not yet settled), over all keys; for metrics. */
  public int waiting() {
    int n = 0;
    for (Lane lane : lanes.values()) {
      synchronized (lane) {
        n += lane.jobs.size() + (lane.running ? 1 : 0) + lane.unsettled;
      }
    }
    return n;
  }

  private void enqueue(K key, Job<?> job, Runnable whenQueued) {
    while (true) {
      Lane lane = lanes.computeIfAbsent(key, Lane::new);
      synchronized (lane) {
        if (lanes.get(key) != lane) {
          continue; // retired while we took it; take the new one
        }
        whenQueued.run();
        lane.jobs.addLast(job);
      }
      pump(lane);
      return;
    }
  }

  /** Starts the lane's head if nothing runs and it may start; retires the lane if it is idle. */
  private void pump(Lane lane) {
    synchronized (lane) {
      if (lane.running) {
        return;
      }
      Job<?> head = lane.jobs.peekFirst();
      if (head == null) {
        if (lane.unsettled == 0) {
          lanes.remove(lane.key, lane);
        }
        return;
      }
      if (head.barrier() && lane.unsettled > 0) {
        return; // started by the last settling of handed-over work
      }
      lane.running = true;
      if (RUNNING_HEAD.get() == lane) {
        lane.again = Thread.currentThread(); // the thread that ran the head just before goes on: no hand-off
        return;
      }
    }
    try {
      executor.execute(() -> runHead(lane));
    } catch (RejectedExecutionException e) {
      failAll(lane, e);
      throw e;
    }
  }

  /** The executor stopped: nothing queued in this lane can run any more. */
  private void failAll(Lane lane, RejectedExecutionException e) {
    List<Job<?>> dropped;
    synchronized (lane) {
      dropped = new ArrayList<>(lane.jobs);
      lane.jobs.clear();
      lane.running = false;
      if (lane.unsettled == 0) {
        lanes.remove(lane.key, lane);
      }
    }
    log.debug("{} executor stopped; {} task(s) of lane {} dropped", name, dropped.size(), lane.key);
    dropped.forEach(j -> j.result().completeExceptionally(e));
  }

  /**
   * Runs the lane's head, and goes on with the next one while each hands over at once (as a {@link #lane} runnable
   * does): one executor hand-off per burst of up to {@link #MAX_BURST} tasks, not per task. A task whose stage
   * completes later hands the lane on from the thread that completes it.
   */
  private void runHead(Lane lane) {
    Object outer = RUNNING_HEAD.get();
    RUNNING_HEAD.set(lane);
    try {
      for (int ran = 1; ; ran++) {
        Job<?> job;
        synchronized (lane) {
          lane.again = null;
          job = lane.jobs.pollFirst(); // pump made this lane running with a startable head; only we take it
        }
        run(lane, job);
        synchronized (lane) {
          if (lane.again != Thread.currentThread()) {
            return;
          }
          if (ran == MAX_BURST) {
            lane.again = null; // still running: the next head starts from the executor's queue, behind other lanes
            break;
          }
        }
      }
    } finally {
      RUNNING_HEAD.set(outer);
    }
    try {
      executor.execute(() -> runHead(lane));
    } catch (RejectedExecutionException e) {
      failAll(lane, e);
    }
  }

  private <T> void run(Lane lane, Job<T> job) {
    CompletionStage<? extends CompletionStage<T>> outer;
    try {
      outer = job.task().get();
      if (outer == null) {
        throw new NullPointerException("task returned no stage");
      }
    } catch (Throwable e) {
      outer = CompletableFuture.failedFuture(e);
    }
    outer.whenComplete((inner, error) -> {
      if (error == null && inner == null) {
        error = new NullPointerException("task handed over no stage");
      }
      if (error != null) {
        handedOver(lane, false);
        job.result().completeExceptionally(error);
        return;
      }
      CompletableFuture<T> work = new CompletableFuture<>();
      inner.whenComplete((value, failure) -> complete(work, value, failure));
      boolean pending = !work.isDone();
      handedOver(lane, pending);
      if (pending) {
        work.whenComplete((value, failure) -> {
          settled(lane);
          complete(job.result(), value, failure);
        });
      } else {
        work.whenComplete((value, failure) -> complete(job.result(), value, failure));
      }
    });
  }

  private void handedOver(Lane lane, boolean pending) {
    synchronized (lane) {
      lane.running = false;
      if (pending) {
        lane.unsettled++;
      }
    }
    next(lane);
  }

  private void settled(Lane lane) {
    synchronized (lane) {
      lane.unsettled--;
    }
    next(lane);
  }

  /** Pumps the lane after a task; a stopped executor has then already failed the lane's queued tasks. */
  private void next(Lane lane) {
    try {
      pump(lane);
    } catch (RejectedExecutionException e) {
      // failAll handled it
    }
  }

  private static <T> void complete(CompletableFuture<T> result, T value, Throwable failure) {
    if (failure != null) {
      result.completeExceptionally(failure);
    } else {
      result.complete(value);
    }
  }
}
