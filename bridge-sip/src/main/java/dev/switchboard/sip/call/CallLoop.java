package dev.switchboard.sip.call;

import dev.switchboard.core.ordering.KeyedSerialExecutor;
import dev.switchboard.sip.media.SdpCandidates;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The serial loop one direction's calls change state on, so that a call's SIP and Matrix events apply in order
 * without locks, with the timers and the store writes that go with it. Nothing on the loop blocks: rtpengine and the
 * homeserver answer futures whose results come back onto the loop, the store is written beside it in state order.
 */
final class CallLoop implements Executor {
  private static final Logger log = LoggerFactory.getLogger(CallLoop.class);
  /** How long an ended call stays findable: late retransmissions (RFC 3261 Timer H) and our hangup's echo. */
  private static final Duration LINGER = Duration.ofSeconds(32);

  private final Executor loop;
  /** Store writes in the order the states changed. */
  private final Executor storeWriter;
  private final ScheduledExecutorService scheduler;
  private final Duration candidateWait;

  /**
   * @param lanes the connector's ordering; this loop is its lane {@code name}, the store writes {@code name/store}
   * @param candidateWait how long a Matrix SDP without end-of-candidates waits for trickled candidates
   */
  CallLoop(KeyedSerialExecutor<String> lanes, String name, ScheduledExecutorService scheduler,
      Duration candidateWait) {
    this.loop = lanes.lane(name);
    this.storeWriter = lanes.lane(name + "/store");
    this.scheduler = scheduler;
    this.candidateWait = candidateWait;
  }

  @Override
  public void execute(Runnable task) {
    loop.execute(task);
  }

  /** Runs {@code task} on the loop after {@code delay}, as the call's timer (replacing the one before). */
  void timer(BridgedCall call, Duration delay, Runnable task) {
    timer(call, delay.toMillis(), task);
  }

  void timer(BridgedCall call, long delayMs, Runnable task) {
    call.timer(scheduler.schedule(() -> loop.execute(task), delayMs, TimeUnit.MILLISECONDS));
  }

  /**
   * Runs {@code step} once the Matrix client's SDP can go to rtpengine: at once when it carries end-of-candidates,
   * else when the candidate wait is over (or earlier, when a trickled end-of-candidates calls {@code step}).
   */
  void whenGathered(BridgedCall call, String sdp, Runnable step) {
    if (SdpCandidates.complete(sdp)) {
      step.run();
    } else {
      timer(call, candidateWait, step);
    }
  }

  /**
   * Goes on with {@code next} on the loop when {@code step} (an rtpengine command, a Matrix send) completes, unless
   * the call moved on meanwhile ({@code current} false: hung up, cancelled).
   */
  <T> void then(CompletableFuture<T> step, BooleanSupplier current, BiConsumer<T, Throwable> next) {
    step.whenCompleteAsync((result, err) -> {
      if (current.getAsBoolean()) {
        next.accept(result, err);
      }
    }, loop);
  }

  /** Writes a call's state beside the loop, in the order the states changed; a failure is logged. */
  void persist(BridgedCall call, Runnable write) {
    storeWriter.execute(() -> {
      try {
        write.run();
      } catch (RuntimeException e) {
        log.warn("Could not record the state of {}: {}", call, e.toString());
      }
    });
  }

  /** Runs {@code forget} once an ended call has lingered long enough. */
  void linger(Runnable forget) {
    scheduler.schedule(forget, LINGER.toMillis(), TimeUnit.MILLISECONDS);
  }
}
