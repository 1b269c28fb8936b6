package dev.switchboard.irc.network;

import java.lang.annotation.Annotation;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import net.engio.mbassy.listener.Handler;
import org.kitteh.irc.client.library.Client;
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
 * Kitteh's event manager without MBassador: handlers run on the thread that publishes (the connection's input
 * lane), as with Kitteh's default, which publishes synchronously too but builds an asynchronous MBassador per
 * client. That default starts two dispatcher threads per client that nothing uses, and MBassador keeps a
 * subscription object graph (handler metadata, locks, weak sets) per handler per client: about 70 handlers, tens of
 * KiB per idle puppet. Here the handler metadata is read once per listener class and shared by every client.
 *
 * <p>What we keep of MBassador's semantics, as far as Kitteh and we use them: public methods annotated
 * {@link Handler} with one parameter receive events of that type and its subtypes, in descending {@code priority}
 * across all listeners; Kitteh's annotation filters ({@link CommandFilter}, {@link NumericFilter}, ...) are applied
 * as its {@code FilteringSubscriptionFactory} does. Handler failures are logged here rather than through Kitteh's
 * exception listener, which would cost another thread per client.
 */
public final class InlineEventManager implements EventManager {
  private static final Logger log = LoggerFactory.getLogger(InlineEventManager.class);

  /** One handler method, shared by every client whose listener has that class. */
  private record HandlerMethod(Method method, Class<?> eventType, int priority,
      Map<Class<? extends Annotation>, Annotation[]> filterAnnotations) {}

  private static final Map<Class<?>, List<HandlerMethod>> HANDLERS = new ConcurrentHashMap<>();

  private final Client client;
  private final Map<Class<? extends Annotation>, FilterProcessor<?, ? extends Annotation>> filters =
      new ConcurrentHashMap<>();
  private final List<Object> listeners = new CopyOnWriteArrayList<>();

  public InlineEventManager(Client client) {
    this.client = client;
    registerAnnotationFilter(CommandFilter.class, new CommandFilter.Processor());
    registerAnnotationFilter(EchoMessage.class, new EchoMessage.Processor());
    registerAnnotationFilter(NumericFilter.class, new NumericFilter.Processor());
    registerAnnotationFilter(ToSelfOnly.class, new ToSelfOnly.Processor());
  }

  /** A handler of the {@code listener}-th registered listener. */
  private record Slot(int listener, HandlerMethod handler) {}

  /**
   * For each combination of listener classes (every puppet has the same), the handlers that take each event class,
   * in descending priority: worked out on an event class's first publication and shared by every client. Without it
   * each event looked at each of the ~70 handlers of every listener (a type test per handler per line).
   */
  private static final Map<List<Class<?>>, Map<Class<?>, List<Slot>>> SLOTS = new ConcurrentHashMap<>();

  /** The listeners registered now and their classes' slots by event class, replaced together. */
  private record Registered(Object[] listeners, Map<Class<?>, List<Slot>> slots) {
    static Registered of(List<Object> listeners) {
      List<Class<?>> classes = listeners.stream().<Class<?>>map(Object::getClass).toList();
      return new Registered(listeners.toArray(), SLOTS.computeIfAbsent(classes, c -> new ConcurrentHashMap<>()));
    }

    List<Slot> slotsOf(Class<?> eventClass) {
      return slots.computeIfAbsent(eventClass, this::find);
    }

    private List<Slot> find(Class<?> eventClass) {
      List<Slot> found = new ArrayList<>(4);
      for (int i = 0; i < listeners.length; i++) {
        for (HandlerMethod h : handlersOf(listeners[i].getClass())) {
          if (h.eventType().isAssignableFrom(eventClass)) {
            found.add(new Slot(i, h));
          }
        }
      }
      found.sort(Comparator.comparingInt((Slot t) -> t.handler().priority()).reversed());
      return List.copyOf(found);
    }
  }

  private volatile Registered registered = Registered.of(List.of());

  @Override
  public void callEvent(Object event) {
    if (event instanceof ClientEvent e && e.getClient() != client) {
      throw new IllegalArgumentException("Event cannot be from another client!");
    }
    Registered now = registered;
    List<Slot> slots = now.slotsOf(event.getClass());
    // Every filter is asked before the first handler runs, as MBassador decides a publication's subscribers first.
    boolean[] accepted = new boolean[slots.size()];
    for (int i = 0; i < accepted.length; i++) {
      accepted[i] = accepted(slots.get(i).handler(), event);
    }
    for (int i = 0; i < accepted.length; i++) {
      if (!accepted[i]) {
        continue;
      }
      HandlerMethod h = slots.get(i).handler();
      try {
        h.method().invoke(now.listeners()[slots.get(i).listener()], event);
      } catch (InvocationTargetException e) {
        log.warn("IRC {}: event handler {} failed on {}: {}", client.getName(), h.method().getName(),
            event.getClass().getSimpleName(), String.valueOf(e.getCause()), e.getCause());
      } catch (IllegalAccessException e) {
        log.warn("IRC {}: event handler {} is not accessible: {}", client.getName(), h.method(), e);
      }
    }
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private boolean accepted(HandlerMethod h, Object event) {
    for (var entry : h.filterAnnotations().entrySet()) {
      FilterProcessor processor = filters.get(entry.getKey());
      if (processor != null && !processor.accepts(event, entry.getValue())) {
        return false;
      }
    }
    return true;
  }

  private static List<HandlerMethod> handlersOf(Class<?> type) {
    return HANDLERS.computeIfAbsent(type, InlineEventManager::scan);
  }

  /** The listener class's handler methods, including inherited ones (as MBassador finds them). */
  private static List<HandlerMethod> scan(Class<?> type) {
    List<HandlerMethod> out = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
      for (Method m : c.getDeclaredMethods()) {
        Handler handler = m.getAnnotation(Handler.class);
        if (handler == null || !handler.enabled() || m.getParameterCount() != 1 || Modifier.isStatic(m.getModifiers())
            || !seen.add(m.getName() + m.getParameterTypes()[0].getName())) {
          continue;
        }
        m.setAccessible(true);
        Map<Class<? extends Annotation>, Annotation[]> filterAnnotations = new java.util.HashMap<>();
        for (Class<? extends Annotation> filter : List.of(CommandFilter.class, EchoMessage.class, NumericFilter.class,
            ToSelfOnly.class)) {
          Annotation[] found = m.getAnnotationsByType(filter);
          if (found.length > 0) {
            filterAnnotations.put(filter, found);
          }
        }
        out.add(new HandlerMethod(m, m.getParameterTypes()[0], handler.priority(), Map.copyOf(filterAnnotations)));
      }
    }
    return List.copyOf(out);
  }

  @Override
  public synchronized Set<Object> getRegisteredEventListeners() {
    return new HashSet<>(listeners);
  }

  @Override
  public Map<Class<? extends Annotation>, FilterProcessor<?, ? extends Annotation>> getAnnotationFilters() {
    return Map.copyOf(filters);
  }

  /**
   * Registers a filter processor. Only Kitteh's four filter annotations are looked for on handler methods (they are
   * read once per listener class); a processor for another annotation would be ignored.
   */
  @Override
  public <A extends Annotation> void registerAnnotationFilter(Class<A> annotationClass,
      FilterProcessor<?, A> filterProcessor) {
    filters.put(annotationClass, filterProcessor);
  }

  @Override
  public synchronized void registerEventListener(Object listener) {
    if (!listeners.contains(listener)) {
      listeners.add(listener);
      registered = Registered.of(listeners);
    }
  }

  @Override
  public synchronized void unregisterEventListener(Object listener) {
    if (listeners.remove(listener)) {
      registered = Registered.of(listeners);
    }
  }
}
