package dev.switchboard.sip.signalling;

import dev.switchboard.sip.address.Dialable;
import dev.switchboard.sip.config.SipConfig;
import java.text.ParseException;
import javax.sip.address.SipURI;
import javax.sip.header.FromHeader;

/**
 * Where a new request for a ghost goes and who it is from: numbers go to the trunk ({@code user=phone}), SIP
 * addresses straight to their host; our From is {@code trunk.from_user} at the trunk (or at our contact host for
 * SIP addresses). Only validated {@link Dialable}s and config values get here, never text from Matrix.
 */
public final class Targets {
  private final SipSignalling sip;
  private final SipConfig config;

  public Targets(SipSignalling sip) {
    this.sip = sip;
    this.config = sip.config();
  }

  /** The request URI for {@code callee}; numbers need {@code sip.trunk}. */
  public SipURI requestUri(Dialable callee) throws ParseException {
    SipURI uri;
    if (callee instanceof Dialable.Number n) {
      SipConfig.Trunk trunk = config.trunk().orElseThrow(
          () -> new IllegalStateException("numbers need sip.trunk to be configured"));
      uri = sip.addresses().createSipURI(n.e164(), trunk.host());
      uri.setPort(trunk.port());
      uri.setTransportParam(trunk.transport());
      uri.setUserParam("phone");
    } else {
      Dialable.SipAddress a = (Dialable.SipAddress) callee;
      uri = sip.addresses().createSipURI(a.user(), a.host());
      if (a.port() != Dialable.SipAddress.DEFAULT_PORT) {
        uri.setPort(a.port());
      }
    }
    return uri;
  }

  public String transport(Dialable callee) {
    return callee instanceof Dialable.Number ? config.trunk().map(SipConfig.Trunk::transport)
        .orElse(sip.defaultTransport()) : sip.defaultTransport();
  }

  /** The user part of our From and Contact. */
  public String fromUser() {
    return config.trunk().map(SipConfig.Trunk::fromUser).orElse("switchboard");
  }

  /** Our From toward {@code callee}, with {@code tag}. */
  public FromHeader from(Dialable callee, String tag) throws ParseException {
    String host = callee instanceof Dialable.Number ? config.trunk().map(SipConfig.Trunk::host)
        .orElse(config.contactHost()) : config.contactHost();
    SipURI uri = sip.addresses().createSipURI(fromUser(), host);
    return sip.headers().createFromHeader(sip.addresses().createAddress(uri), tag);
  }
}
