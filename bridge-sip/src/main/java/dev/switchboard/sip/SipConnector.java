package dev.switchboard.sip;

import dev.switchboard.core.command.Command;
import dev.switchboard.core.command.CommandCapable;
import dev.switchboard.core.connector.Connector;
import dev.switchboard.core.connector.ThirdPartyCapable;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import dev.switchboard.core.connector.ConnectorContext;
import dev.switchboard.core.connector.ConnectorMeters;
import dev.switchboard.core.connector.ConnectorState;
import dev.switchboard.core.connector.Link;
import dev.switchboard.core.connector.CallHandling;
import dev.switchboard.core.connector.EditHandling;
import dev.switchboard.core.connector.MembershipHandling;
import dev.switchboard.core.connector.MessageHandling;
import dev.switchboard.core.event.CallSignal;
import dev.switchboard.core.event.MatrixEdit;
import dev.switchboard.core.event.MatrixEvent;
import dev.switchboard.core.event.MatrixMessage;
import dev.switchboard.core.event.MembershipChange;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.registration.Namespaces;
import dev.switchboard.sip.address.Dialable;
import dev.switchboard.sip.address.GhostNames;
import dev.switchboard.sip.call.CallMeters;
import dev.switchboard.sip.call.CallStore;
import dev.switchboard.sip.call.CallLimits;
import dev.switchboard.sip.call.Calls;
import dev.switchboard.sip.call.InfoDtmf;
import dev.switchboard.sip.call.Renegotiations;
import dev.switchboard.sip.call.IncomingCalls;
import dev.switchboard.core.ordering.KeyedSerialExecutor;
import dev.switchboard.sip.address.Callees;
import dev.switchboard.sip.address.PhoneNumbers;
import dev.switchboard.sip.config.SipConfig;
import dev.switchboard.sip.dialplan.CallRateLimits;
import dev.switchboard.sip.dialplan.Decision;
import dev.switchboard.sip.dialplan.DialPlan;
import dev.switchboard.sip.dialplan.HostResolver;
import dev.switchboard.sip.dialplan.SipGuard;
import dev.switchboard.sip.dm.DmRooms;
import dev.switchboard.sip.media.NgClient;
import dev.switchboard.sip.command.SipCommands;
import dev.switchboard.sip.deskphone.DeskPhones;
import dev.switchboard.core.store.LoginStore;
import java.security.SecureRandom;
import dev.switchboard.sip.registration.TrunkKeepalive;
import dev.switchboard.sip.registration.TrunkRegistration;
import dev.switchboard.sip.signalling.SipEvents;
import dev.switchboard.sip.signalling.SipSignalling;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.sip.ClientTransaction;
import javax.sip.RequestEvent;
import javax.sip.ResponseEvent;
import javax.sip.TimeoutEvent;
import javax.sip.header.CallIdHeader;
import javax.sip.header.ToHeader;
import javax.sip.message.Request;
import dev.switchboard.sip.text.Texts;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SIP connector: Matrix users call phone numbers and SIP addresses through ghosts ({@code @_sip_+15550001}), and
 * phones call Matrix users (a configured number, or an escaped Matrix id). A call lives in the DM between the user
 * and the ghost; JAIN-SIP signals, rtpengine carries the media. See docs/sip.md.
 */
public final class SipConnector implements Connector, CommandCapable, ThirdPartyCapable, CallHandling,
    MessageHandling, EditHandling, MembershipHandling {
  private static final Logger log = LoggerFactory.getLogger(SipConnector.class);
  public static final String PROTOCOL = "sip";
  private static final Duration UNREGISTER_WAIT = Duration.ofSeconds(3);
  /** The field a dial pad fills in (Matrix spec's {@code m.id.phone}). */
  private static final String PHONE_FIELD = "m.id.phone";
  /** How long a Matrix client has to answer a phone's renegotiation (hold, resume) before the phone gets 488. */
  private static final Duration NEGOTIATE_LIFETIME = Duration.ofSeconds(30);

  private final SipConfig config;
  private final Namespaces namespaces;
  private volatile ConnectorState state = ConnectorState.STARTING;
  private ConnectorContext context;
  private GhostNames ghosts;
  private NgClient media;
  private SipSignalling signalling;
  private volatile IncomingCalls incoming;
  private DmRooms dms;
  private volatile Calls calls;
  private PhoneNumbers numbers;
  private volatile TrunkRegistration registration;
  private volatile TrunkKeepalive trunkKeepalive;
  private volatile Texts texts;
  private volatile DeskPhones deskPhones;
  private java.util.concurrent.ScheduledFuture<?> keepalive;
  private volatile Renegotiations renegotiations;
  private volatile InfoDtmf dtmf;
  private volatile SipGuard guard;

  /**
   * @param config the parsed {@code sip:} section
   * @param domain the homeserver's server name, for the ghost namespace
   */
  public SipConnector(SipConfig config, String domain) {
    this.config = config;
    this.namespaces = SipNamespaces.of(config, domain);
  }

  @Override
  public String protocol() {
    return PROTOCOL;
  }

  @Override
  public Namespaces namespaces() {
    return namespaces;
  }

  @Override
  public void start(ConnectorContext context) throws Exception {
    this.context = context;
    this.ghosts = new GhostNames(config.userPrefix(), context.serverName());
    this.dms = new DmRooms(context.portals(), context.intents(), context.blockingExecutor());
    SipConfig.RtpEngine r = config.rtpengine();
    // Resolved once here: a name that does not resolve fails the start, naming the key.
    InetSocketAddress ng = new InetSocketAddress(r.ngAddress().getHostString(), r.ngAddress().getPort());
    if (ng.isUnresolved()) {
      throw new dev.switchboard.core.config.ConfigException("sip.rtpengine.ng_address does not resolve: "
          + r.ngAddress().getHostString());
    }
    media = new NgClient(new NgClient.Settings(ng, r.timeout(), r.attempts()), context.scheduler(),
        new SplittableRandom());
    ConnectorMeters meters = context.meters(PROTOCOL);
    CallStore store = new CallStore(context.database(), context.clock(), new CallMeters(meters));
    int leftovers = store.endLeftovers();
    if (leftovers > 0) {
      log.info("{} call(s) from the previous run ended with it", leftovers);
    }
    // Each part of the connector keeps its order in a lane of its own.
    KeyedSerialExecutor<String> lanes = new KeyedSerialExecutor<>(context.blockingExecutor(), PROTOCOL);
    // One SIP event at a time, in arrival order: a CANCEL must not overtake the INVITE it cancels.
    signalling = SipSignalling.start(config, new Routing(), lanes.lane("signalling"));
    numbers = new PhoneNumbers(config.defaultCountryCode());
    CallLimits limits = new CallLimits(config.limits().maxConcurrentPerUser(), config.limits().maxDuration());
    guard = new SipGuard(context.permissions(), context.serverName(),
        new DialPlan(config.dialPlan(), HostResolver.SYSTEM),
        new CallRateLimits(config.rateLimits().calls(), config.rateLimits().texts(), context.clock()),
        context.blockingExecutor());
    Callees callees = new Callees(config.inbound(), numbers, ghosts, context.serverName(), guard::reachable);
    config.registrar().ifPresent(settings -> {
      deskPhones = new DeskPhones(signalling, settings,
          new LoginStore(context.database(), context.secrets(), context.clock()), context.clock(), new SecureRandom());
      keepalive = deskPhones.startKeepalive(context.scheduler());
    });
    texts = new Texts(signalling, context.intents(), dms, callees, numbers, ghosts, new SplittableRandom(), guard,
        () -> trunkKeepalive != null && trunkKeepalive.reachable().equals(Optional.of(false)),
        () -> meters.message(ConnectorMeters.Direction.TO_REMOTE), context.mediaLinks());
    incoming = new IncomingCalls(signalling, media, context.intents(), store, dms, callees, numbers, ghosts,
        lanes, context.scheduler(), new SplittableRandom(), config.inbound().lifetime(),
        config.candidateWait(), user -> deskPhones == null ? Optional.empty() : deskPhones.bindingOf(user), limits);
    calls = new Calls(config, signalling, media, context.intents(), store, incoming, context.blockingExecutor(),
        lanes, context.scheduler(), new SplittableRandom(), config.candidateWait(), limits, guard);
    renegotiations = new Renegotiations(signalling, media, context.intents(), lanes, context.scheduler(),
        calls.sessions(), NEGOTIATE_LIFETIME);
    dtmf = new InfoDtmf(signalling, media, calls.sessions());
    config.trunk().ifPresent(trunk -> trunk.register().ifPresent(settings -> {
      registration = new TrunkRegistration(signalling, trunk, settings, context.scheduler(), context.clock(),
          new SplittableRandom());
      registration.register();
      for (TrunkRegistration.State s : TrunkRegistration.State.values()) {
        meters.gauge("registration.state", "The trunk registration's state (1 = current)", registration,
            reg -> reg.state() == s ? 1 : 0, "state", s.name().toLowerCase(java.util.Locale.ROOT));
      }
    }));
    config.trunk().filter(trunk -> !trunk.keepalive().isZero()).ifPresent(trunk -> {
      trunkKeepalive = new TrunkKeepalive(signalling, trunk, context.clock(), new SplittableRandom());
      trunkKeepalive.start(context.scheduler(), trunk.keepalive());
    });
    // rtpengine being down is not fatal at start: calls fail (and say so) until it is back.
    media.ping().whenComplete((v, err) -> {
      if (err != null) {
        log.warn("rtpengine at {} does not answer ping ({}): calls will fail until it does", ng, err.getMessage());
      }
    });
    state = ConnectorState.RUNNING;
  }

  // ---- third-party lookup: Element's dial pad asks m.protocol.pstn (or im.vector.protocol.pstn) for m.id.phone

  @Override
  public List<String> thirdPartyProtocolIds() {
    return SipNamespaces.PSTN_PROTOCOLS;
  }

  @Override
  public ObjectNode thirdPartyProtocol() {
    ObjectNode p = JsonNodeFactory.instance.objectNode();
    p.putArray("user_fields").add(PHONE_FIELD);
    p.putArray("location_fields");
    p.put("icon", "");
    p.putObject("field_types").putObject(PHONE_FIELD).put("regexp", "\\+?[0-9 ().\\-/]+")
        .put("placeholder", "+44 20 7123 4567");
    p.putArray("instances").addObject().put("desc", "Phone numbers").put("network_id", PROTOCOL)
        .putObject("fields");
    return p;
  }

  @Override
  public CompletableFuture<ArrayNode> thirdPartyUsers(Map<String, String> fields) {
    ArrayNode out = JsonNodeFactory.instance.arrayNode();
    String typed = fields.get(PHONE_FIELD);
    if (typed != null && numbers != null) {
      numbers.normalise(typed).ifPresent(n -> out.add(thirdPartyUser(n)));
    }
    return CompletableFuture.completedFuture(out);
  }

  @Override
  public CompletableFuture<ArrayNode> thirdPartyUsersForUserId(String userId) {
    ArrayNode out = JsonNodeFactory.instance.arrayNode();
    try {
      if (ghosts != null && ghosts.dialableOf(UserId.of(userId)).orElse(null) instanceof Dialable.Number n) {
        out.add(thirdPartyUser(n));
      }
    } catch (IllegalArgumentException notAUserId) {
      // nothing of ours
    }
    return CompletableFuture.completedFuture(out);
  }

  private ObjectNode thirdPartyUser(Dialable.Number n) {
    ObjectNode u = JsonNodeFactory.instance.objectNode().put("userid", ghosts.ghostOf(n).value())
        .put("protocol", SipNamespaces.PSTN_PROTOCOLS.get(0));
    u.putObject("fields").put(PHONE_FIELD, n.e164());
    return u;
  }

  @Override
  public CompletableFuture<ArrayNode> thirdPartyLocations(Map<String, String> fields) {
    return CompletableFuture.completedFuture(JsonNodeFactory.instance.arrayNode()); // calls live in DMs
  }

  @Override
  public CompletableFuture<ArrayNode> thirdPartyLocationsForAlias(String alias) {
    return CompletableFuture.completedFuture(JsonNodeFactory.instance.arrayNode());
  }

  @Override
  public List<Command> commands() {
    return new SipCommands(() -> Optional.ofNullable(registration), () -> Optional.ofNullable(trunkKeepalive),
        () -> dms == null ? Optional.empty() : Optional.of(new SipCommands.Parts(numbers, ghosts, dms,
            Optional.ofNullable(deskPhones), context.blockingExecutor(), guard))).commands();
  }

  @Override
  public void stop() {
    state = ConnectorState.STOPPED;
    if (keepalive != null) {
      keepalive.cancel(false);
    }
    TrunkKeepalive k = trunkKeepalive;
    if (k != null) {
      k.stop();
    }
    TrunkRegistration r = registration;
    if (r != null) {
      // Leave the trunk cleanly (RFC 3261 10.2.2) but never hold the shutdown for long.
      try {
        r.unregister().get(UNREGISTER_WAIT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (ExecutionException | TimeoutException e) {
        log.info("Unregistering from the trunk did not finish in {} ms", UNREGISTER_WAIT.toMillis());
      }
      r.close();
    }
    if (signalling != null) {
      signalling.close();
    }
    if (media != null) {
      media.close();
    }
  }

  @Override
  public ConnectorState state() {
    return state;
  }

  @Override
  public CompletableFuture<Boolean> onUserQuery(UserId userId) {
    if (ghosts == null || ghosts.dialableOf(userId).isEmpty()) {
      return CompletableFuture.completedFuture(false);
    }
    return context.intents().ghost(userId).ensureRegistered().thenApply(v -> true);
  }

  /** The DM's ghost and what it stands for; empty outside a DM of ours. */
  private Optional<Dialable> calleeOf(Optional<UserId> ghost) {
    return ghost.flatMap(ghosts::dialableOf);
  }

  /**
   * Call signalling in a DM: {@code m.call.negotiate} to renegotiation, the events of a call from a phone to that
   * call, the rest to the calls from Matrix.
   */
  @Override
  public CompletableFuture<Void> onCall(CallSignal signal, Link link) {
    Optional<UserId> ghost = DmRooms.ghostOf(link);
    Optional<Dialable> callee = calleeOf(ghost);
    if (callee.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    MatrixEvent event = signal.event();
    if (event.type().equals("m.call.negotiate")) {
      return renegotiations.onNegotiate(event);
    }
    if (incoming.knowsMatrixCall(event.roomId(), signal.callId())) {
      return incoming.onMatrixEvent(event);
    }
    return switch (event.type()) {
      case "m.call.invite" -> calls.onInvite(event, ghost.get(), callee.get());
      case "m.call.candidates" -> calls.onCandidates(event);
      case "m.call.hangup", "m.call.reject" -> calls.onHangup(event);
      case "m.call.select_answer" -> calls.onSelectAnswer(event);
      default -> CompletableFuture.completedFuture(null);
    };
  }

  /** A text in a DM goes out as a SIP MESSAGE; stickers stay in Matrix. */
  @Override
  public CompletableFuture<Void> onMessage(MatrixMessage message, Link link) {
    if (!message.event().type().equals("m.room.message")) {
      return CompletableFuture.completedFuture(null);
    }
    return text(message.event(), link);
  }

  /** An edit goes out as one more text: its body is the client's fallback ({@code * new text}). */
  @Override
  public CompletableFuture<Void> onEdit(MatrixEdit edit, Link link) {
    return text(edit.event(), link);
  }

  /** Only the user whose DM it is speaks for it: a text from anyone else in the room stays in Matrix. */
  private CompletableFuture<Void> text(MatrixEvent event, Link link) {
    Optional<UserId> ghost = DmRooms.ghostOf(link);
    Optional<Dialable> to = calleeOf(ghost);
    if (to.isEmpty() || !link.remoteId().endsWith("|" + event.sender().value())) {
      return CompletableFuture.completedFuture(null);
    }
    return texts.onMatrixMessage(event, ghost.get(), to.get());
  }

  /**
   * An invite of one of our ghosts to a room without a link: the ghost joins, and the room becomes the DM for that
   * pair. Membership in linked DMs needs nothing from SIP.
   */
  @Override
  public CompletableFuture<Void> onMembership(MembershipChange change, Optional<Link> link) {
    if (link.isPresent() || !"invite".equals(change.membership())) {
      return CompletableFuture.completedFuture(null);
    }
    MatrixEvent event = change.event();
    UserId ghost = change.subject();
    Optional<Dialable> target = calleeOf(Optional.of(ghost));
    if (target.isEmpty()) {
      log.info("{} invited {}, which stands for no number or SIP address", event.sender(), ghost);
      return CompletableFuture.completedFuture(null);
    }
    RoomId room = event.roomId();
    return guard.dm(event.sender(), target.get()).thenCompose(decision -> {
      if (decision instanceof Decision.Refused refused) {
        return refuseDm(event, ghost, refused.notice());
      }
      // Linked before the ghost joins: a user who calls as soon as they see the join finds the DM in place.
      return CompletableFuture.runAsync(() -> dms.link(room, ghost, event.sender()), context.blockingExecutor())
          .thenCompose(v -> context.intents().ghost(ghost).ensureJoined(room))
          .thenCompose(v -> dms.writeBridgeInfo(room, ghost, target.get()));
    });
  }

  /**
   * A DM the guard refused: the ghost joins long enough to say why (a rejected invite shows no reason in most
   * clients), then leaves; the room is never linked, so nothing in it reaches SIP.
   */
  private CompletableFuture<Void> refuseDm(MatrixEvent invite, UserId ghost, String notice) {
    RoomId room = invite.roomId();
    var intent = context.intents().ghost(ghost);
    return intent.ensureJoined(room)
        .thenCompose(v -> intent.sendMessage(room, JsonNodeFactory.instance.objectNode().put("msgtype", "m.notice")
            .put("body", notice), "sip/dm-refused/" + invite.eventId().value()))
        .thenCompose(id -> intent.leave(room))
        .exceptionally(err -> {
          log.info("Could not tell {} in {} why {} will not talk to them: {}", invite.sender(), room, ghost,
              err.toString());
          return null;
        });
  }

  /**
   * Sends each SIP event to the part of the connector it belongs to: REGISTER answers to the trunk registration,
   * everything else to the calls. Lets the stack start before those parts exist (they need the stack).
   */
  private final class Routing implements SipEvents {
    @Override
    public void onRequest(RequestEvent event) {
      Texts t = texts;
      if (t != null && Request.MESSAGE.equals(event.getRequest().getMethod())) {
        t.onMessage(event);
        return;
      }
      InfoDtmf i = dtmf;
      if (i != null && Request.INFO.equals(event.getRequest().getMethod())) {
        i.onInfo(event);
        return;
      }
      DeskPhones d = deskPhones;
      if (d != null && Request.REGISTER.equals(event.getRequest().getMethod())) {
        d.onRegister(event);
        return;
      }
      IncomingCalls in = incoming;
      if (in != null && Request.BYE.equals(event.getRequest().getMethod())
          && in.ownsDeskLeg(((CallIdHeader) event.getRequest().getHeader(CallIdHeader.NAME)).getCallId())) {
        in.onDeskBye(event);
        return;
      }
      Renegotiations n = renegotiations;
      if (n != null && Request.INVITE.equals(event.getRequest().getMethod())
          && ((ToHeader) event.getRequest().getHeader(ToHeader.NAME)).getTag() != null) {
        n.onReInvite(event);
        return;
      }
      Calls c = calls;
      if (c != null) {
        c.onRequest(event);
      }
    }

    @Override
    public void onResponse(ResponseEvent event) {
      CallIdHeader callId = (CallIdHeader) event.getResponse().getHeader(CallIdHeader.NAME);
      Optional<Sender> sender = senderOf(event.getClientTransaction(), callId);
      if (sender.isPresent()) {
        sender.get().responses().accept(event);
        return;
      }
      Calls c = calls;
      if (c != null) {
        c.onResponse(event);
      }
    }

    @Override
    public void onTimeout(TimeoutEvent event) {
      ClientTransaction tx = event.getClientTransaction();
      Optional<Sender> sender = tx == null ? Optional.empty()
          : senderOf(tx, (CallIdHeader) tx.getRequest().getHeader(CallIdHeader.NAME));
      if (sender.isPresent()) {
        sender.get().timeouts().accept(event);
        return;
      }
      Calls c = calls;
      if (c != null) {
        c.onTimeout(event);
      }
    }

    /** The part that sent the request of {@code tx} (Call-ID {@code callId}), other than the calls. */
    private Optional<Sender> senderOf(ClientTransaction tx, CallIdHeader callId) {
      List<Sender> senders = new ArrayList<>();
      Renegotiations n = renegotiations;
      if (n != null) {
        senders.add(new Sender(() -> n.owns(tx), n::onResponse, n::onTimeout));
      }
      TrunkRegistration r = registration;
      if (r != null) {
        senders.add(new Sender(() -> r.owns(callId), r::onResponse, r::onTimeout));
      }
      TrunkKeepalive k = trunkKeepalive;
      if (k != null) {
        senders.add(new Sender(() -> k.owns(callId), k::onResponse, k::onTimeout));
      }
      DeskPhones d = deskPhones;
      if (d != null) {
        senders.add(new Sender(() -> d.ownsKeepalive(callId), d::onKeepaliveResponse, d::onKeepaliveTimeout));
      }
      IncomingCalls in = incoming;
      if (in != null) {
        senders.add(new Sender(() -> in.ownsDeskLeg(callId.getCallId()), in::onDeskResponse, in::onDeskTimeout));
      }
      Texts t = texts;
      if (t != null) {
        senders.add(new Sender(() -> t.owns(callId), t::onResponse, t::onTimeout));
      }
      return senders.stream().filter(sender -> sender.owns().getAsBoolean()).findFirst();
    }
  }

  /** A part of the connector that sends requests of its own, and takes the responses and timeouts it owns. */
  private record Sender(BooleanSupplier owns, Consumer<ResponseEvent> responses, Consumer<TimeoutEvent> timeouts) {}
}
