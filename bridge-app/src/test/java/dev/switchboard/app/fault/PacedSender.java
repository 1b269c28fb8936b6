package dev.switchboard.app.fault;

import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Says a burst at a steady pace on its own thread, as a remote user would, holding back while {@code mayTalk} is
 * false (e.g. while the bridge is not in an IRC channel whose server keeps no history).
 */
final class PacedSender {
  /** One message out; throws to stop the burst. */
  interface Say {
    void say(String message) throws Exception;
  }

  private final List<String> burst;
  private final Duration every;
  private final Say say;
  private final BooleanSupplier mayTalk;
  private final Thread thread;
  private volatile int firstHeld = -1;
  private volatile int sent;
  private volatile Throwable failure;

  private PacedSender(List<String> burst, Duration every, Say say, BooleanSupplier mayTalk) {
    this.burst = List.copyOf(burst);
    this.every = every;
    this.say = say;
    this.mayTalk = mayTalk;
    this.thread = new Thread(this::run, "paced-sender");
    thread.setDaemon(true);
  }

  static PacedSender start(List<String> burst, Duration every, Say say) {
    return start(burst, every, say, () -> true);
  }

  static PacedSender start(List<String> burst, Duration every, Say say, BooleanSupplier mayTalk) {
    PacedSender s = new PacedSender(burst, every, say, mayTalk);
    s.thread.start();
    return s;
  }

  private void run() {
    try {
      for (int i = 0; i < burst.size(); i++) {
        while (!mayTalk.getAsBoolean()) {
          if (firstHeld < 0) {
            firstHeld = i;
          }
          Thread.sleep(20);
        }
        say.say(burst.get(i));
        sent = i + 1;
        Thread.sleep(every.toMillis());
      }
    } catch (Exception | Error e) {
      failure = e;
    }
  }

  /** Waits until every message was said. */
  void awaitDone(Duration timeout) throws InterruptedException {
    thread.join(timeout.toMillis());
    if (thread.isAlive()) {
      throw new AssertionError("the burst was not said within " + timeout + " (" + sent + " said)");
    }
    if (failure != null) {
      throw new AssertionError("the sender failed after " + sent + " messages", failure);
    }
  }

  /** How many were said so far. */
  int sent() {
    return sent;
  }

  /** The index of the first message held back (the burst's size if none was). */
  int firstHeld() {
    return firstHeld < 0 ? burst.size() : firstHeld;
  }
}
