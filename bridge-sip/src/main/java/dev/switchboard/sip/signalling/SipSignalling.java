package dev.switchboard.sip.signalling;

import dev.switchboard.sip.config.SipConfig;
import gov.nist.javax.sip.SipStackExt;
import gov.nist.javax.sip.clientauthutils.AuthenticationHelper;
import gov.nist.javax.sip.clientauthutils.UserCredentials;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import java.util.TooManyListenersException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sip.ClientTransaction;
import javax.sip.Dialog;
import javax.sip.DialogTerminatedEvent;
import javax.sip.IOExceptionEvent;
import javax.sip.InvalidArgumentException;
import javax.sip.ListeningPoint;
import javax.sip.ObjectInUseException;
import javax.sip.PeerUnavailableException;
import javax.sip.RequestEvent;
import javax.sip.ResponseEvent;
import javax.sip.ServerTransaction;
import javax.sip.SipException;
import javax.sip.SipFactory;
import javax.sip.SipListener;
import javax.sip.SipProvider;
import javax.sip.SipStack;
import javax.sip.TimeoutEvent;
import javax.sip.TransactionAlreadyExistsException;
import javax.sip.TransactionTerminatedEvent;
import javax.sip.address.Address;
import javax.sip.address.AddressFactory;
import javax.sip.address.SipURI;
import javax.sip.header.CSeqHeader;
import javax.sip.header.CallIdHeader;
import javax.sip.header.ContactHeader;
import javax.sip.header.HeaderFactory;
import javax.sip.header.ViaHeader;
import javax.sip.message.Message;
import javax.sip.message.MessageFactory;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JAIN-SIP stack: listening points from config, factories, and a listener that only hands events to an executor
 * (DESIGN.md: the stack's threads must never block or call the homeserver).
 */
public final class SipSignalling implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SipSignalling.class);
  /** The RI caches stacks by name in its factory; each instance (tests start several) needs its own. */
  private static final AtomicInteger INSTANCES = new AtomicInteger();
  private static final String USER_AGENT = "Switchboard";

  private final SipConfig config;
  private final SipStack stack;
  private final SipProvider provider;
  private final HeaderFactory headers;
  private final AddressFactory addresses;
  private final MessageFactory messages;
  private final AuthenticationHelper auth;
  private final String primaryTransport;

  private SipSignalling(SipConfig config, SipStack stack, SipProvider provider, HeaderFactory headers,
      AddressFactory addresses, MessageFactory messages, AuthenticationHelper auth, String primaryTransport) {
    this.config = config;
    this.stack = stack;
    this.provider = provider;
    this.headers = headers;
    this.addresses = addresses;
    this.messages = messages;
    this.auth = auth;
    this.primaryTransport = primaryTransport;
  }

  /** Binds the listening points and starts delivering events to {@code events} on {@code executor}. */
  public static SipSignalling start(SipConfig config, SipEvents events, Executor executor)
      throws PeerUnavailableException, SipException, InvalidArgumentException {
    SipFactory factory = SipFactory.getInstance();
    factory.setPathName("gov.nist");
    Properties p = new Properties();
    p.setProperty("javax.sip.STACK_NAME", "switchboard-" + INSTANCES.incrementAndGet());
    p.setProperty("javax.sip.AUTOMATIC_DIALOG_SUPPORT", "on");
    // The RI writes its own debug log and message trace files unless told not to.
    p.setProperty("gov.nist.javax.sip.TRACE_LEVEL", "0");
    p.setProperty("gov.nist.javax.sip.LOG_MESSAGE_CONTENT", "false");
    p.setProperty("gov.nist.javax.sip.STACK_LOGGER", Slf4jStackLogger.class.getName());
    p.setProperty("gov.nist.javax.sip.SERVER_LOGGER", Slf4jServerLogger.class.getName());
    p.setProperty("gov.nist.javax.sip.THREAD_POOL_SIZE", "4");
    p.setProperty("gov.nist.javax.sip.REENTRANT_LISTENER", "true");
    config.outboundProxy().ifPresent(proxy -> p.setProperty("javax.sip.OUTBOUND_PROXY",
        proxy.getHostString() + ":" + proxy.getPort() + "/" + config.trunk().map(SipConfig.Trunk::transport)
            .orElse(config.transports().get(0))));
    SipStack stack = factory.createSipStack(p);
    List<ListeningPoint> points = new ArrayList<>();
    try {
      for (String transport : config.transports()) {
        points.add(stack.createListeningPoint(config.listenAddress(), config.listenPort(), transport));
      }
      SipProvider provider = stack.createSipProvider(points.get(0));
      for (ListeningPoint extra : points.subList(1, points.size())) {
        provider.addListeningPoint(extra);
      }
      HeaderFactory headers = factory.createHeaderFactory();
      AuthenticationHelper auth = ((SipStackExt) stack).getAuthenticationHelper(
          (tx, realm) -> credentials(config, realm), headers);
      SipSignalling signalling = new SipSignalling(config, stack, provider, headers, factory.createAddressFactory(),
          factory.createMessageFactory(), auth, config.transports().get(0));
      provider.addSipListener(new HandOff(events, executor));
      stack.start();
      log.info("SIP listening on {}:{} ({})", config.listenAddress(), config.listenPort(), config.transports());
      return signalling;
    } catch (TooManyListenersException e) {
      stack.stop();
      throw new SipException("a listener was already set on the new provider", e);
    } catch (SipException | InvalidArgumentException | RuntimeException e) {
      stack.stop();
      throw e;
    }
  }

  private static UserCredentials credentials(SipConfig config, String realm) {
    SipConfig.Trunk trunk = config.trunk().orElseThrow(() -> new IllegalStateException("challenged without trunk"));
    return new UserCredentials() {
      @Override
      public String getUserName() {
        return trunk.username().orElse("");
      }

      @Override
      public String getPassword() {
        return trunk.password().orElse("");
      }

      @Override
      public String getSipDomain() {
        return realm;
      }
    };
  }

  /** The one thing a stack thread does: queue the event. */
  private static final class HandOff implements SipListener {
    private final SipEvents events;
    private final Executor executor;

    HandOff(SipEvents events, Executor executor) {
      this.events = events;
      this.executor = executor;
    }

    @Override
    public void processRequest(RequestEvent e) {
      run(() -> events.onRequest(e), "request " + e.getRequest().getMethod());
    }

    @Override
    public void processResponse(ResponseEvent e) {
      run(() -> events.onResponse(e), "response " + e.getResponse().getStatusCode());
    }

    @Override
    public void processTimeout(TimeoutEvent e) {
      run(() -> events.onTimeout(e), "timeout");
    }

    @Override
    public void processIOException(IOExceptionEvent e) {
      log.warn("SIP I/O error toward {}:{} ({})", e.getHost(), e.getPort(), e.getTransport());
    }

    @Override
    public void processTransactionTerminated(TransactionTerminatedEvent e) {
      // nothing to do: calls track their own state
    }

    @Override
    public void processDialogTerminated(DialogTerminatedEvent e) {
      // nothing to do: calls end on BYE, CANCEL or final responses
    }

    private void run(Runnable task, String what) {
      try {
        executor.execute(() -> {
          try {
            task.run();
          } catch (RuntimeException ex) {
            log.warn("Handling SIP {} failed", what, ex);
          }
        });
      } catch (RuntimeException rejected) {
        log.warn("Dropped SIP {}: executor refused it ({})", what, rejected.toString());
      }
    }
  }

  // ---- building messages

  public HeaderFactory headers() {
    return headers;
  }

  public AddressFactory addresses() {
    return addresses;
  }

  public MessageFactory messages() {
    return messages;
  }

  public SipProvider provider() {
    return provider;
  }

  public SipConfig config() {
    return config;
  }

  /** A new Call-ID from the stack's generator. */
  public CallIdHeader newCallId() {
    return provider.getNewCallId();
  }

  /** Our Contact: {@code <sip:user@contact_host:port;transport=...>}. */
  public ContactHeader contact(String user, String transport) throws ParseException {
    SipURI uri = addresses.createSipURI(user, config.contactHost());
    uri.setPort(config.listenPort());
    uri.setTransportParam(transport);
    Address a = addresses.createAddress(uri);
    return headers.createContactHeader(a);
  }

  /** A Via for a new request sent over {@code transport}; the stack fills in the branch. */
  public ViaHeader via(String transport) throws ParseException, InvalidArgumentException {
    return headers.createViaHeader(config.contactHost(), config.listenPort(), transport, null);
  }

  public String defaultTransport() {
    return primaryTransport;
  }

  /** Adds our User-Agent; every request and response we originate carries it. */
  public void stamp(Message message) throws ParseException {
    message.setHeader(headers.createUserAgentHeader(List.of(USER_AGENT)));
  }

  /** Sends a new request statelessly-tracked in a client transaction; returns it. */
  public ClientTransaction send(Request request) throws SipException {
    ClientTransaction tx = provider.getNewClientTransaction(request);
    tx.sendRequest();
    return tx;
  }

  /**
   * Answers a 401/407 with credentials: a new transaction with the same Call-ID, a higher CSeq and an
   * Authorization header, already sent. Throws when no credentials are configured.
   */
  public ClientTransaction answerChallenge(Response challenge, ClientTransaction challenged) throws SipException {
    if (config.trunk().flatMap(SipConfig.Trunk::username).isEmpty()) {
      throw new SipException("challenged for credentials, but sip.trunk.username is not set");
    }
    ClientTransaction retry = auth.handleChallenge(challenge, challenged, provider, 5, true);
    retry.sendRequest();
    return retry;
  }

  /** The body of {@code message} becomes {@code sdp} ({@code application/sdp}). */
  public void sdp(Message message, String sdp) throws ParseException {
    message.setContent(sdp.getBytes(StandardCharsets.UTF_8), headers.createContentTypeHeader("application", "sdp"));
  }

  /** The SDP body of a message; empty when it has none. */
  public static String sdpOf(Message message) {
    byte[] body = message.getRawContent();
    return body == null ? "" : new String(body, StandardCharsets.UTF_8);
  }

  /** Our Contact in the answer to {@code request}, over the transport the request came on. */
  public ContactHeader contactFor(Request request, String user) throws ParseException {
    String transport = ((ViaHeader) request.getHeader(ViaHeader.NAME)).getTransport();
    return contact(user, transport.toLowerCase(Locale.ROOT));
  }

  /** ACKs a 2xx to an INVITE in its dialog. */
  public void ack(Dialog dialog, Response ok) throws InvalidArgumentException, SipException {
    dialog.sendAck(dialog.createAck(((CSeqHeader) ok.getHeader(CSeqHeader.NAME)).getSeqNumber()));
  }

  /** Ends a dialog that is up with a BYE. */
  public void bye(Dialog dialog) throws ParseException, SipException {
    Request bye = dialog.createRequest(Request.BYE);
    stamp(bye);
    dialog.sendRequest(provider.getNewClientTransaction(bye));
  }

  /** CANCELs an INVITE that got a provisional response (RFC 3261 9.1). */
  public void cancel(ClientTransaction invite) throws ParseException, SipException {
    Request cancel = invite.createCancel();
    stamp(cancel);
    send(cancel);
  }

  /**
   * The server transaction of a request, created when the stack delivered the request without one. Empty for a
   * retransmission (the existing transaction answers it) and when the stack refuses, which is logged.
   */
  public Optional<ServerTransaction> serverTransaction(RequestEvent event) {
    if (event.getServerTransaction() != null) {
      return Optional.of(event.getServerTransaction());
    }
    try {
      return Optional.of(provider.getNewServerTransaction(event.getRequest()));
    } catch (TransactionAlreadyExistsException retransmission) {
      return Optional.empty();
    } catch (SipException | RuntimeException e) {
      log.warn("No server transaction for {} {}: {}", event.getRequest().getMethod(), callIdOf(event.getRequest()),
          e.toString());
      return Optional.empty();
    }
  }

  /** What a response carries beyond its status line: tags, headers, a body. */
  @FunctionalInterface
  public interface ResponseParts {
    void fill(Response response) throws ParseException;
  }

  /** Answers a request on its server transaction with a bare response; false (logged) when it could not be sent. */
  public boolean respond(ServerTransaction tx, Request request, int status) {
    return respond(tx, request, status, r -> { });
  }

  /** Answers a request on its server transaction; {@code parts} fills the response before it is sent. */
  public boolean respond(ServerTransaction tx, Request request, int status, ResponseParts parts) {
    try {
      Response r = messages.createResponse(status, request);
      parts.fill(r);
      stamp(r);
      tx.sendResponse(r);
      return true;
    } catch (ParseException | SipException | InvalidArgumentException e) {
      log.warn("Could not answer {} {} with {}: {}", request.getMethod(), callIdOf(request), status, e.toString());
      return false;
    }
  }

  /** The Call-ID of a message. */
  public static String callIdOf(Message message) {
    return ((CallIdHeader) message.getHeader(CallIdHeader.NAME)).getCallId();
  }

  /** Answers a request, creating its server transaction if the stack did not. */
  public void respond(RequestEvent event, int status) {
    serverTransaction(event).ifPresent(tx -> respond(tx, event.getRequest(), status));
  }

  @Override
  public void close() {
    try {
      provider.removeSipListener(null);
    } catch (RuntimeException ignored) {
      // the RI throws on a null listener in some versions; stopping the stack is what matters
    }
    try {
      stack.deleteSipProvider(provider);
    } catch (ObjectInUseException e) {
      log.debug("deleting the SIP provider: {}", e.toString());
    }
    stack.stop();
  }
}
