package dev.switchboard.core.ordering;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class KeyedSerialExecutorTest {
  private final ExecutorService pool = Executors.newFixedThreadPool(4);
  private final KeyedSerialExecutor<String> lanes = new KeyedSerialExecutor<>(pool, "test");

  @AfterEach
  void stop() {
    pool.shutdownNow();
  }

  @Test
  void aBurstOfTasksThatHandOverAtOnceTakesOneHandOffPerBurstNotPerTask() throws Exception {
    AtomicInteger handOffs = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      KeyedSerialExecutor<String> lanes = new KeyedSerialExecutor<>(r -> {
        handOffs.incrementAndGet();
        pool.execute(r);
      }, "counted");
      CountDownLatch blocked = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      List<Integer> ran = new CopyOnWriteArrayList<>();
      lanes.lane("conn").execute(() -> {
        blocked.countDown();
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      blocked.await();
      for (int i = 0; i < 1_000; i++) {
        int n = i;
        lanes.lane("conn").execute(() -> ran.add(n));
      }
      release.countDown();
      lanes.submit("conn", () -> CompletableFuture.completedFuture(null)).get(5, TimeUnit.SECONDS);
      assertThat(ran).hasSize(1_000).isSorted();
      // One per burst of 64 (1,001 tasks: 16), and perhaps one more for the last submit on an idle lane.
      assertThat(handOffs.get()).isBetween(16, 17);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void inlineLanesDrainALongQueueInALoopNotARecursionAndKeepOrder() throws Exception {
    KeyedSerialExecutor<String> lanes = new KeyedSerialExecutor<>(KeyedSerialExecutor.INLINE, "inline");
    CompletableFuture<Void> gate = new CompletableFuture<>();
    List<Integer> ran = new CopyOnWriteArrayList<>();
    lanes.submitPipelined("room", () -> gate.thenApply(v -> CompletableFuture.<Void>completedFuture(null)));
    int n = 100_000;
    List<CompletableFuture<Integer>> results = IntStream.range(0, n).mapToObj(i -> lanes.submitPipelined("room",
        () -> {
          ran.add(i);
          return CompletableFuture.completedFuture(CompletableFuture.completedFuture(i));
        })).toList();
    assertThat(ran).isEmpty();
    gate.complete(null); // every queued task now runs on this thread, at once
    assertThat(ran).hasSize(n);
    assertThat(ran).isSorted();
    assertThat(results.get(n - 1).get(1, TimeUnit.SECONDS)).isEqualTo(n - 1);
    assertThat(lanes.waiting()).isZero();
  }

  @Test
  void runsOneKeysTasksInOrderWithoutOverlap() throws Exception {
    List<Integer> seen = new CopyOnWriteArrayList<>();
    AtomicInteger running = new AtomicInteger();
    AtomicInteger maxRunning = new AtomicInteger();
    List<CompletableFuture<Integer>> results = IntStream.range(0, 200).mapToObj(i -> lanes.submit("room",
        () -> CompletableFuture.supplyAsync(() -> {
          maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
          seen.add(i);
          running.decrementAndGet();
          return i;
        }, pool))).toList();

    CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
    assertThat(seen).containsExactlyElementsOf(IntStream.range(0, 200).boxed().toList());
    assertThat(maxRunning).hasValue(1);
    assertThat(results.get(7).get()).isEqualTo(7);
  }

  @Test
  void runsKeysInParallel() throws Exception {
    CountDownLatch bothStarted = new CountDownLatch(2);
    CompletableFuture<Void> release = new CompletableFuture<>();
    for (String key : List.of("a", "b")) {
      lanes.submit(key, () -> {
        bothStarted.countDown();
        return release;
      });
    }
    assertThat(bothStarted.await(5, TimeUnit.SECONDS)).isTrue();
    release.complete(null);
  }

  @Test
  void aFailedOrThrowingTaskDoesNotStopItsLane() throws Exception {
    CompletableFuture<Object> failed = lanes.submit("room",
        () -> CompletableFuture.failedFuture(new IllegalStateException("bad event")));
    CompletableFuture<Object> thrown = lanes.submit("room", () -> {
      throw new IllegalArgumentException("bad code");
    });
    CompletableFuture<String> next = lanes.submit("room", () -> CompletableFuture.completedFuture("next"));

    assertThat(next.get(5, TimeUnit.SECONDS)).isEqualTo("next");
    assertThatThrownBy(failed::get).hasCauseInstanceOf(IllegalStateException.class);
    assertThatThrownBy(thrown::get).hasCauseInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void tasksStartOnTheExecutorNotTheCallersThread() throws Exception {
    Thread caller = Thread.currentThread();
    CompletableFuture<Thread> ranOn = lanes.submit("room", () -> CompletableFuture.completedFuture(
        Thread.currentThread()));
    assertThat(ranOn.get(5, TimeUnit.SECONDS)).isNotSameAs(caller);
  }

  @Test
  void whatWhenQueuedDoesHappensInTheLanesOrder() throws Exception {
    AtomicInteger numbers = new AtomicInteger();
    List<Integer> ran = new CopyOnWriteArrayList<>();
    List<CompletableFuture<Void>> results = new CopyOnWriteArrayList<>();
    List<CompletableFuture<Void>> submitters = IntStream.range(0, 4).mapToObj(t -> CompletableFuture.runAsync(() -> {
      for (int i = 0; i < 250; i++) {
        int[] number = new int[1];
        results.add(lanes.submit("room", () -> number[0] = numbers.incrementAndGet(),
            () -> CompletableFuture.runAsync(() -> ran.add(number[0]), pool)));
      }
    }, pool)).toList();

    CompletableFuture.allOf(submitters.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
    CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
    assertThat(ran).containsExactlyElementsOf(IntStream.rangeClosed(1, 1000).boxed().toList());
  }

  @Test
  void withADirectExecutorTheNextTaskStartsOnTheThreadThatSettledThePreviousOne() throws Exception {
    KeyedSerialExecutor<String> direct = new KeyedSerialExecutor<>(Runnable::run, "direct");
    CompletableFuture<Void> firstDone = new CompletableFuture<>();
    CompletableFuture<Thread> firstRanOn = direct.submit("room", () -> {
      Thread ranOn = Thread.currentThread();
      return firstDone.thenApply(v -> ranOn);
    });
    CompletableFuture<Thread> secondRanOn = direct.submit("room",
        () -> CompletableFuture.completedFuture(Thread.currentThread()));
    assertThat(secondRanOn).isNotDone();

    Thread settler = new Thread(() -> firstDone.complete(null), "settler");
    settler.start();
    settler.join();
    assertThat(firstRanOn.get(5, TimeUnit.SECONDS)).isSameAs(Thread.currentThread());
    assertThat(secondRanOn.get(5, TimeUnit.SECONDS)).isSameAs(settler);
  }

  @Test
  void pipelinedTasksStartOnceTheirPredecessorHandedOver() throws Exception {
    CompletableFuture<String> firstDelivered = new CompletableFuture<>();
    CompletableFuture<String> first = lanes.submitPipelined("room",
        () -> CompletableFuture.completedFuture(firstDelivered));
    CompletableFuture<String> second = lanes.submitPipelined("room",
        () -> CompletableFuture.completedFuture(CompletableFuture.completedFuture("second")));

    // The second ran although the first's work is still under way; results are each task's inner stage.
    assertThat(second.get(5, TimeUnit.SECONDS)).isEqualTo("second");
    assertThat(first).isNotDone();
    firstDelivered.complete("first");
    assertThat(first.get(5, TimeUnit.SECONDS)).isEqualTo("first");
  }

  @Test
  void aPlainTaskWaitsForEveryEarlierPipelinedTasksWork() throws Exception {
    CompletableFuture<Void> delivered = new CompletableFuture<>();
    lanes.submitPipelined("room", () -> CompletableFuture.completedFuture(delivered));
    lanes.submitPipelined("room", () -> CompletableFuture.completedFuture(CompletableFuture.completedFuture(null)));
    CompletableFuture<String> plain = lanes.submit("room", () -> CompletableFuture.completedFuture("plain"));

    Thread.sleep(200);
    assertThat(plain).isNotDone();
    assertThat(lanes.waiting()).isEqualTo(2); // the first's work and the plain task
    delivered.complete(null);
    assertThat(plain.get(5, TimeUnit.SECONDS)).isEqualTo("plain");
  }

  @Test
  void aPipelinedTaskWaitsForAnEarlierPlainTask() throws Exception {
    CompletableFuture<Void> plainDone = new CompletableFuture<>();
    lanes.submit("room", () -> plainDone);
    CompletableFuture<String> pipelined = lanes.submitPipelined("room",
        () -> CompletableFuture.completedFuture(CompletableFuture.completedFuture("after")));

    Thread.sleep(200);
    assertThat(pipelined).isNotDone();
    plainDone.complete(null);
    assertThat(pipelined.get(5, TimeUnit.SECONDS)).isEqualTo("after");
  }

  @Test
  void aFailedHandOverFailsTheTaskAndTheLaneGoesOn() throws Exception {
    CompletableFuture<Object> failed = lanes.submitPipelined("room",
        () -> CompletableFuture.failedFuture(new IllegalStateException("queue full")));
    CompletableFuture<String> next = lanes.submit("room", () -> CompletableFuture.completedFuture("next"));

    assertThat(next.get(5, TimeUnit.SECONDS)).isEqualTo("next");
    assertThatThrownBy(failed::get).isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(IllegalStateException.class);
  }

  @Test
  void idleKeysAreDropped() throws Exception {
    CompletableFuture<Void> delivered = new CompletableFuture<>();
    CompletableFuture<Void> result = lanes.submitPipelined("room", () -> CompletableFuture.completedFuture(delivered));
    for (int i = 0; i < 100; i++) {
      lanes.submit("key " + i, () -> CompletableFuture.completedFuture(null)).get(5, TimeUnit.SECONDS);
    }
    assertThat(lanes.waiting()).isEqualTo(1); // the handed-over work keeps its lane
    delivered.complete(null);
    result.get(5, TimeUnit.SECONDS);

    assertThat(lanes.waiting()).isZero();
    assertThat(lanes).extracting("lanes").asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP).isEmpty();
  }

  @Test
  void laneRunsRunnablesInOrderAndGoesOnAfterOneThrows() throws Exception {
    List<Integer> seen = new CopyOnWriteArrayList<>();
    CountDownLatch done = new CountDownLatch(1);
    var lane = lanes.lane("connection");
    lane.execute(() -> seen.add(1));
    lane.execute(() -> {
      throw new IllegalStateException("callback bug");
    });
    lane.execute(() -> seen.add(3));
    lane.execute(done::countDown);

    assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(seen).containsExactly(1, 3);
  }

  @Test
  void aStoppedExecutorRefusesNewWork() {
    pool.shutdown();
    assertThatThrownBy(() -> lanes.lane("x").execute(() -> { })).isInstanceOf(RejectedExecutionException.class);
    assertThat(lanes.submit("x", () -> CompletableFuture.completedFuture(1)))
        .failsWithin(1, TimeUnit.SECONDS).withThrowableThat().withCauseInstanceOf(RejectedExecutionException.class);
    assertThat(lanes.waiting()).isZero();
  }
}
