package dev.switchboard.xmpp.component;

import java.util.Map;

/** What the XML splitter finds on the stream: its opening tag, a complete top-level element, or its end. */
sealed interface StreamEvent {
  /** The server's {@code <stream:stream>} with its attributes ({@code id}, {@code from}). */
  record Opened(Map<String, String> attributes) implements StreamEvent {}

  /** One complete top-level element, as text. */
  record Element(String xml) implements StreamEvent {}

  /** The server's {@code </stream:stream>}. */
  record Closed() implements StreamEvent {}
}
