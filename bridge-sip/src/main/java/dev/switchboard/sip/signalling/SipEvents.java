package dev.switchboard.sip.signalling;

import javax.sip.RequestEvent;
import javax.sip.ResponseEvent;
import javax.sip.TimeoutEvent;

/** What the call layer hears from the SIP stack; called on the connector's executor, never on a stack thread. */
public interface SipEvents {
  void onRequest(RequestEvent event);

  void onResponse(ResponseEvent event);

  void onTimeout(TimeoutEvent event);
}
