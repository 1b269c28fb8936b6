package dev.switchboard.core.failure;

/** Reading failures for log lines: futures wrap the cause that says what went wrong in layers of their own. */
public final class Failures {
  private Failures() {}

  /** The innermost cause. */
  public static Throwable rootCause(Throwable t) {
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t;
  }

  /** The innermost cause's message, or its type and message when it has none worth showing alone. */
  public static String rootMessage(Throwable t) {
    Throwable root = rootCause(t);
    return root.getMessage() == null ? root.toString() : root.getMessage();
  }
}
