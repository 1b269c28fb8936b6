package dev.switchboard.sip.call;

/** Matrix hangup reasons for SIP failure responses, and back (issue 5's table). */
public final class HangupReasons {
  private HangupReasons() {}

  /**
   * The {@code m.call.hangup} reason for a final failure response to our INVITE. 603 Decline is not a hangup: the
   * ghost sends {@code m.call.reject} instead (see {@link #isRejection}).
   */
  public static String forSipStatus(int status) {
    return switch (status) {
      case 486, 600 -> "user_busy";
      case 408, 480, 487 -> "invite_timeout";
      default -> "unknown_error"; // 488, 5xx and anything else
    };
  }

  /** 603 Decline: the callee refused the call, which Matrix (v1) says with {@code m.call.reject}. */
  public static boolean isRejection(int status) {
    return status == 603;
  }
}
