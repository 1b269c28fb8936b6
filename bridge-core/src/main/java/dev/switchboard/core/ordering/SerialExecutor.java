package dev.switchboard.core.ordering;

import java.util.concurrent.Executor;

/**
 * Runs tasks one at a time, in submission order, on a shared executor: order without a thread of its own. Connectors
 * use one per connection or per room to keep a protocol's order while their callbacks return at once. A task that
 * throws is logged and the next one runs. One lane of a {@link KeyedSerialExecutor}; where there are many keys, use
 * that directly.
 */
public final class SerialExecutor implements Executor {
  private final Executor lane;

  public SerialExecutor(Executor pool) {
    this.lane = new KeyedSerialExecutor<Boolean>(pool, "serial").lane(Boolean.TRUE);
  }

  @Override
  public void execute(Runnable task) {
    lane.execute(task);
  }
}
