package dev.switchboard.irc.flood;

import java.lang.annotation.Annotation;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import net.engio.mbassy.bus.SyncMessageBus;
import net.engio.mbassy.bus.config.BusConfiguration;
import net.engio.mbassy.bus.config.Feature;
import org.kitteh.irc.client.library.Client;
import org.kitteh.irc.client.library.defaults.feature.FilteringSubscriptionFactory;
import org.kitteh.irc.client.library.event.helper.ClientEvent;
import org.kitteh.irc.client.library.feature.EventManager;
import org.kitteh.irc.client.library.feature.filter.CommandFilter;
import org.kitteh.irc.client.library.feature.filter.EchoMessage;
import org.kitteh.irc.client.library.feature.filter.FilterProcessor;
import org.kitteh.irc.client.library.feature.filter.NumericFilter;
import org.kitteh.irc.client.library.feature.filter.ToSelfOnly;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kitteh's event manager on MBassador's synchronous bus: handlers run on the thread that publishes (Kitteh's input
 * thread), exactly as with Kitteh's default, which publishes synchronously too but builds an asynchronous MBassador
 * that starts two dispatcher threads per client that nothing uses. Kitteh's annotation filters are registered as in
 * its {@code DefaultEventManager}; handler failures are logged here rather than through Kitteh's exception
 * listener, which would cost another thread per client.
 */
public final class InlineEventManager implements EventManager {
  private static final Logger log = LoggerFactory.getLogger(InlineEventManager.class);

  private final Client client;
  private final Map<Class<? extends Annotation>, FilterProcessor<?, ? extends Annotation>> filters =
      new ConcurrentHashMap<>();
  private final Set<Object> listeners = new HashSet<>();
  private final SyncMessageBus<Object> bus;

  public InlineEventManager(Client client) {
    this.client = client;
    this.bus = new SyncMessageBus<>(new BusConfiguration()
        .addFeature(Feature.SyncPubSub.Default().setSubscriptionFactory(new FilteringSubscriptionFactory(filters)))
        .addPublicationErrorHandler(error -> log.warn("IRC {}: event handler failed: {}", client.getName(),
            String.valueOf(error.getCause()), error.getCause())));
    registerAnnotationFilter(CommandFilter.class, new CommandFilter.Processor());
    registerAnnotationFilter(EchoMessage.class, new EchoMessage.Processor());
    registerAnnotationFilter(NumericFilter.class, new NumericFilter.Processor());
    registerAnnotationFilter(ToSelfOnly.class, new ToSelfOnly.Processor());
  }

  @Override
  public void callEvent(Object event) {
    if (event instanceof ClientEvent e && e.getClient() != client) {
      throw new IllegalArgumentException("Event cannot be from another client!");
    }
    bus.publish(event);
  }

  @Override
  public synchronized Set<Object> getRegisteredEventListeners() {
    return new HashSet<>(listeners);
  }

  @Override
  public Map<Class<? extends Annotation>, FilterProcessor<?, ? extends Annotation>> getAnnotationFilters() {
    return Map.copyOf(filters);
  }

  @Override
  public <A extends Annotation> void registerAnnotationFilter(Class<A> annotationClass,
      FilterProcessor<?, A> filterProcessor) {
    filters.put(annotationClass, filterProcessor);
  }

  @Override
  public synchronized void registerEventListener(Object listener) {
    listeners.add(listener);
    bus.subscribe(listener);
  }

  @Override
  public synchronized void unregisterEventListener(Object listener) {
    listeners.remove(listener);
    bus.unsubscribe(listener);
  }
}
