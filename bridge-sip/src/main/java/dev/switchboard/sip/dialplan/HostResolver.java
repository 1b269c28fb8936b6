package dev.switchboard.sip.dialplan;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** Host name to addresses, injected so the dial plan is testable without DNS. May block. */
@FunctionalInterface
public interface HostResolver {
  HostResolver SYSTEM = InetAddress::getAllByName;

  InetAddress[] resolve(String host) throws UnknownHostException;
}
