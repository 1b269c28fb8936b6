package dev.switchboard.testkit.homeserver;

import dev.switchboard.testkit.homeserver.appservice.PushFaults;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Failures a test injects: the next requests (optionally only those whose path matches) answer 429 or 5xx, hang,
 * or are slow; the whole server can go away for a while (connections refused); AS pushes can fail or be slow.
 */
public final class Faults implements PushFaults {
  /** What an affected request gets. */
  public sealed interface Fault {}

  /**
   * 429 {@code M_LIMIT_EXCEEDED}.
   *
   * @param inBody put {@code retry_after_ms} in the body
   * @param inHeader send a {@code Retry-After} header (whole seconds, rounded up)
   */
  public record RateLimited(Duration retryAfter, boolean inBody, boolean inHeader) implements Fault {}

  /** A 5xx with {@code M_UNKNOWN}. */
  public record ServerError(int status) implements Fault {}

  /** No answer: the connection is dropped after the duration, the request never processed. */
  public record Hang(Duration duration) implements Fault {}

  /**
   * Processed normally, but only after a wait drawn evenly from {@code duration} to {@code upTo}: e.g. 50–60 ms on
   * every {@code /send/} models a loaded Synapse, which takes that long to persist an event before it answers.
   */
  public record Delay(Duration duration, Duration upTo) implements Fault {}

  /** A log-normal wait with this median and 99th percentile: a server with a long tail, as a loaded Synapse. */
  public record SkewedDelay(Duration median, Duration p99) implements Fault {
    /** One wait, in nanoseconds, drawn with {@code random}. */
    public long sampleNanos(java.util.Random random) {
      double m = median.toNanos();
      double sigma = Math.log(p99.toNanos() / m) / 2.3263478740408408; // the 99th percentile's z
      return (long) (m * Math.exp(sigma * random.nextGaussian()));
    }
  }

  private static final class Rule {
    final Pattern path;
    int remaining;
    final Fault fault;

    Rule(Pattern path, int remaining, Fault fault) {
      this.path = path;
      this.remaining = remaining;
      this.fault = fault;
    }
  }

  /** Controls the listening socket, for outages. */
  interface Listener {
    void goAway();

    void comeBack();
  }

  private final List<Rule> rules = new ArrayList<>();
  private final ScheduledExecutorService scheduler;
  private final Listener listener;
  private int pushFailures;
  private Duration pushDelay = Duration.ZERO;
  private boolean pushesPaused;
  private boolean down;
  private ScheduledFuture<?> recovery;

  Faults(ScheduledExecutorService scheduler, Listener listener) {
    this.scheduler = scheduler;
    this.listener = listener;
  }

  /** Starts describing a fault for the next {@code times} requests. */
  public Next next(int times) {
    return new Next(times, null);
  }

  /** Builds one fault rule. */
  public final class Next {
    private final int times;
    private final Pattern path;

    private Next(int times, Pattern path) {
      this.times = times;
      this.path = path;
    }

    /** Only requests whose raw path contains a match of {@code regex} (e.g. {@code "/send/"}) count. */
    public Next matching(String regex) {
      return new Next(times, Pattern.compile(regex));
    }

    public Faults rateLimited(Duration retryAfter) {
      return add(new RateLimited(retryAfter, true, true));
    }

    public Faults rateLimited(Duration retryAfter, boolean inBody, boolean inHeader) {
      return add(new RateLimited(retryAfter, inBody, inHeader));
    }

    public Faults serverError() {
      return add(new ServerError(500));
    }

    public Faults serverError(int status) {
      return add(new ServerError(status));
    }

    public Faults hang(Duration duration) {
      return add(new Hang(duration));
    }

    public Faults delay(Duration duration) {
      return add(new Delay(duration, duration));
    }

    /** Each affected request waits a time drawn evenly from {@code min} to {@code max}, then is processed. */
    public Faults delay(Duration min, Duration max) {
      if (max.compareTo(min) < 0) {
        throw new IllegalArgumentException("delay: max " + max + " is below min " + min);
      }
      return add(new Delay(min, max));
    }

    /**
     * Each affected request waits a time drawn from a log-normal distribution with this median and 99th percentile
     * (a loaded homeserver answers most requests fast and some much later), then is processed.
     */
    public Faults delaySkewed(Duration median, Duration p99) {
      if (median.isNegative() || median.isZero() || p99.compareTo(median) < 0) {
        throw new IllegalArgumentException("delaySkewed: need 0 < median <= p99, got " + median + " and " + p99);
      }
      return add(new SkewedDelay(median, p99));
    }

    private Faults add(Fault fault) {
      synchronized (Faults.this) {
        rules.add(new Rule(path, times, fault));
      }
      return Faults.this;
    }
  }

  /** The fault for this request, consuming one use of the first matching rule. */
  synchronized Optional<Fault> take(String path) {
    for (Iterator<Rule> it = rules.iterator(); it.hasNext(); ) {
      Rule rule = it.next();
      if (rule.path == null || rule.path.matcher(path).find()) {
        if (--rule.remaining <= 0) {
          it.remove();
        }
        return Optional.of(rule.fault);
      }
    }
    return Optional.empty();
  }

  /**
   * The homeserver goes away now (listener closed, open connections dropped: clients get connection refused) and
   * comes back on the same port after {@code duration}. AS pushes stop meanwhile.
   */
  public Faults outage(Duration duration) {
    synchronized (this) {
      down = true;
      if (recovery != null) {
        recovery.cancel(false);
      }
    }
    listener.goAway();
    ScheduledFuture<?> f = scheduler.schedule(this::endOutage, duration.toMillis(), TimeUnit.MILLISECONDS);
    synchronized (this) {
      recovery = f;
    }
    return this;
  }

  /** Ends an outage early (no-op when up). */
  public void endOutage() {
    synchronized (this) {
      if (!down) {
        return;
      }
      down = false;
    }
    listener.comeBack();
  }

  public synchronized boolean isDown() {
    return down;
  }

  /** The next {@code n} push attempts fail as if the AS could not be reached (and are retried, same txn id). */
  public synchronized Faults failAsPushes(int n) {
    pushFailures += n;
    return this;
  }

  /** Waits this long before every push attempt. */
  public synchronized Faults delayAsPushes(Duration delay) {
    pushDelay = delay;
    return this;
  }

  /** Holds AS pushes until {@link #resumeAsPushes()}; events queue up and go out batched. */
  public synchronized Faults pauseAsPushes() {
    pushesPaused = true;
    return this;
  }

  public synchronized Faults resumeAsPushes() {
    pushesPaused = false;
    return this;
  }

  /** Removes every pending fault rule and push fault (an outage in progress continues). */
  public synchronized void clear() {
    rules.clear();
    pushFailures = 0;
    pushDelay = Duration.ZERO;
    pushesPaused = false;
  }

  @Override
  public synchronized boolean pushesBlocked() {
    return pushesPaused || down;
  }

  @Override
  public synchronized boolean takePushFailure() {
    if (pushFailures > 0) {
      pushFailures--;
      return true;
    }
    return false;
  }

  @Override
  public synchronized Duration pushDelay() {
    return pushDelay;
  }
}
