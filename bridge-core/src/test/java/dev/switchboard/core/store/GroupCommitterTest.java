package dev.switchboard.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.core.store.GroupCommitter.OnFailure;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GroupCommitterTest {
  private final ExecutorService pool = Executors.newFixedThreadPool(4);
  private final List<List<Integer>> batches = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() {
    pool.shutdownNow();
  }

  @Test
  void aLoneItemIsWrittenAtOnce() throws Exception {
    GroupCommitter<Integer> committer = new GroupCommitter<>("test", pool, 10, OnFailure.FAIL_BATCH, batches::add);

    committer.add(1).get(1, TimeUnit.SECONDS);
    assertThat(batches).containsExactly(List.of(1));
    assertThat(committer.unwritten()).isZero();
  }

  @Test
  void itemsAddedDuringAWriteShareTheNextCommitInOrder() throws Exception {
    CountDownLatch firstWriteStarted = new CountDownLatch(1);
    CompletableFuture<Void> releaseFirst = new CompletableFuture<>();
    AtomicInteger concurrentWriters = new AtomicInteger();
    AtomicInteger maxWriters = new AtomicInteger();
    GroupCommitter<Integer> committer = new GroupCommitter<>("test", pool, 4, OnFailure.FAIL_BATCH, batch -> {
      maxWriters.accumulateAndGet(concurrentWriters.incrementAndGet(), Math::max);
      firstWriteStarted.countDown();
      releaseFirst.get();
      batches.add(batch);
      concurrentWriters.decrementAndGet();
    });

    CompletableFuture<Void> first = committer.add(0);
    assertThat(firstWriteStarted.await(5, TimeUnit.SECONDS)).isTrue();
    List<CompletableFuture<Void>> rest = new ArrayList<>();
    for (int i = 1; i <= 9; i++) {
      rest.add(committer.add(i));
    }
    assertThat(committer.unwritten()).isEqualTo(10);
    releaseFirst.complete(null);
    CompletableFuture.allOf(rest.toArray(CompletableFuture[]::new)).get(5, TimeUnit.SECONDS);

    assertThat(first).isDone();
    assertThat(batches).containsExactly(List.of(0), List.of(1, 2, 3, 4), List.of(5, 6, 7, 8), List.of(9));
    assertThat(maxWriters).hasValue(1);
  }

  @Test
  void manyConcurrentAddsCommitEachItemOnceInAddOrderPerAdder() throws Exception {
    GroupCommitter<Integer> committer = new GroupCommitter<>("test", pool, 50, OnFailure.FAIL_BATCH, batches::add);
    List<CompletableFuture<Void>> all = new CopyOnWriteArrayList<>();
    ExecutorService adders = Executors.newFixedThreadPool(2);
    try {
      for (int adder = 0; adder < 2; adder++) {
        int base = adder * 1000;
        adders.execute(() -> IntStream.range(base, base + 500).forEach(i -> all.add(committer.add(i))));
      }
    } finally {
      adders.shutdown();
      assertThat(adders.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
    }
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(5, TimeUnit.SECONDS);

    List<Integer> written = batches.stream().flatMap(List::stream).toList();
    assertThat(written).hasSize(1000);
    assertThat(written.stream().filter(i -> i < 1000)).isSorted();
    assertThat(written.stream().filter(i -> i >= 1000)).isSorted();
    assertThat(batches).allSatisfy(b -> assertThat(b).hasSizeLessThanOrEqualTo(50));
  }

  @Test
  void failBatchFailsOnlyThatBatch() throws Exception {
    GroupCommitter<Integer> committer = new GroupCommitter<>("test", pool, 10, OnFailure.FAIL_BATCH, batch -> {
      if (batch.contains(13)) {
        throw new SQLException("disk full");
      }
      batches.add(batch);
    });

    CompletableFuture<Void> bad = committer.addAll(List.of(12, 13));
    bad.handle((v, e) -> null).get(5, TimeUnit.SECONDS);
    committer.add(14).get(5, TimeUnit.SECONDS);

    assertThatThrownBy(bad::get).isInstanceOf(ExecutionException.class).hasCauseInstanceOf(SQLException.class);
    assertThat(batches).containsExactly(List.of(14));
  }

  @Test
  void retryInOrderWritesTheFailedBatchAgainBeforeLaterOnes() throws Exception {
    AtomicInteger failuresLeft = new AtomicInteger(2);
    GroupCommitter<Integer> committer = new GroupCommitter<>("test", pool, 10, OnFailure.RETRY_IN_ORDER, batch -> {
      if (failuresLeft.getAndDecrement() > 0) {
        throw new SQLException("database is locked");
      }
      batches.add(batch);
    });

    CompletableFuture<Void> first = committer.add(1);
    Thread.sleep(50); // the first write fails; these wait behind its retries
    CompletableFuture<Void> later = committer.addAll(List.of(2, 3));
    assertThat(later).isNotDone();
    later.get(5, TimeUnit.SECONDS);

    assertThat(first).isCompleted();
    assertThat(batches).containsExactly(List.of(1), List.of(2, 3));
  }

  @Test
  void closeStopsRetryingAndLaterAddsFail() throws Exception {
    GroupCommitter<Integer> committer = new GroupCommitter<>("test", pool, 10, OnFailure.RETRY_IN_ORDER, batch -> {
      throw new SQLException("database gone");
    });
    CompletableFuture<Void> stuck = committer.add(1);
    Thread.sleep(150);
    assertThat(stuck).isNotDone();

    long start = System.nanoTime();
    committer.close();
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(2_000);
    assertThat(stuck).isCompletedExceptionally();
    assertThat(committer.add(2)).isCompletedExceptionally();
    assertThat(committer.unwritten()).isZero();
  }

  @Test
  void aStoppedExecutorFailsTheItem() {
    pool.shutdown();
    GroupCommitter<Integer> committer = new GroupCommitter<>("test", pool, 10, OnFailure.FAIL_BATCH, batches::add);
    assertThat(committer.add(1)).isCompletedExceptionally();
    assertThat(committer.unwritten()).isZero();
  }
}
