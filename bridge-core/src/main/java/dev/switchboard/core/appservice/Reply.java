package dev.switchboard.core.appservice;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** An HTTP answer of the AS API: status and JSON body. */
record Reply(int status, JsonNode body) {

  static Reply ok(JsonNode body) {
    return new Reply(200, body);
  }

  static Reply empty() {
    return new Reply(200, JsonNodeFactory.instance.objectNode());
  }

  /** A Matrix error body, {@code {"errcode": ..., "error": ...}}. */
  static Reply error(int status, String errcode, String message) {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("errcode", errcode);
    body.put("error", message);
    return new Reply(status, body);
  }
}
