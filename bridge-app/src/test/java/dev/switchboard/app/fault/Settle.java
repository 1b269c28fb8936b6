package dev.switchboard.app.fault;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;

/**
 * Waiting for the end of a burst without failing there: the test goes on to tally what arrived, so a failure names the
 * lost, repeated and reordered messages instead of a timeout.
 */
final class Settle {
  private Settle() {
  }

  /** Polls {@code done} every 50 ms until it holds or {@code timeout} passes; true when it held. */
  static boolean until(BooleanSupplier done, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (done.getAsBoolean()) {
        return true;
      }
      Thread.sleep(50);
    }
    return done.getAsBoolean();
  }

  /** Waits until {@code count} has not changed for {@code quiet} (at most {@code timeout}): late repeats land first. */
  static void quiet(IntSupplier count, Duration quiet, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    int last = count.getAsInt();
    long since = System.nanoTime();
    while (System.nanoTime() < deadline && System.nanoTime() - since < quiet.toNanos()) {
      Thread.sleep(50);
      int now = count.getAsInt();
      if (now != last) {
        last = now;
        since = System.nanoTime();
      }
    }
  }
}
