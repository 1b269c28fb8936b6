package dev.switchboard.sip.address;

import java.util.Optional;
import javax.sip.address.SipURI;
import javax.sip.address.TelURL;
import javax.sip.address.URI;

/** Who a request from a phone is from, as a ghost's {@link Dialable}: its From URI. */
public final class Callers {
  private static final int SECURE_PORT = 5061;

  private Callers() {}

  /** A number when the user part is one ({@code tel:} URIs and {@code user=phone} included), else the address. */
  public static Optional<Dialable> of(URI uri, PhoneNumbers numbers) {
    try {
      if (uri instanceof TelURL tel) {
        return numbers.normalise((tel.isGlobal() ? "+" : "") + tel.getPhoneNumber()).map(n -> n);
      }
      if (uri instanceof SipURI s && s.getUser() != null) {
        Optional<Dialable.Number> n = numbers.normalise(s.getUser());
        if (n.isPresent()) {
          return Optional.of(n.get());
        }
        return Optional.of(new Dialable.SipAddress(s.getUser(), s.getHost(), port(s)));
      }
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
    return Optional.empty();
  }

  /** The URI's port, or none when it is absent or its scheme's default (5060 for {@code sip:}, 5061 for sips:). */
  private static int port(SipURI uri) {
    int port = uri.getPort();
    return port <= 0 || (uri.isSecure() && port == SECURE_PORT) ? Dialable.SipAddress.DEFAULT_PORT : port;
  }
}
