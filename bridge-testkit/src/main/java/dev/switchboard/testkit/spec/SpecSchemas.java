package dev.switchboard.testkit.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialect;
import com.networknt.schema.dialect.Dialects;
import com.networknt.schema.keyword.AnnotationKeyword;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The official Matrix API definitions (OpenAPI YAML and JSON schemas, copied under {@code matrix-spec/} on the
 * classpath), indexed by operation, to check requests a bridge sends and responses its AS API gives.
 *
 * <p>Thread-safe; loading parses every API file once, so share one instance per test run where possible.
 */
public final class SpecSchemas {
  /** Classpath folder holding the spec's {@code data/} tree. */
  public static final String ROOT = "matrix-spec/";

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final ObjectMapper JSON = new ObjectMapper();

  private final SchemaRegistry registry;
  private final List<SpecOperation> clientServer;
  private final List<SpecOperation> appService;
  private final Map<String, Schema> schemas = new ConcurrentHashMap<>();
  private final Map<String, JsonNode> documents = new ConcurrentHashMap<>();

  private SpecSchemas(ClassLoader loader) {
    // OpenAPI 3.1 schemas are JSON Schema 2020-12. Formats stay annotations (the default), as the spec's
    // own mx-* formats are not JSON Schema formats.
    // Unknown keywords (example, x-addedInMatrixVersion, ...) are documentation: keep them as quiet annotations.
    Dialect dialect = Dialect.builder(Dialects.getDraft202012())
        .unknownKeywordFactory((keyword, context) -> new AnnotationKeyword(keyword))
        .build();
    this.registry = SchemaRegistry.withDefaultDialect(dialect);
    this.clientServer = index(loader, "data/api/client-server");
    this.appService = index(loader, "data/api/application-service");
  }

  /** Loads and indexes the spec from the classpath. */
  public static SpecSchemas load() {
    return new SpecSchemas(SpecSchemas.class.getClassLoader());
  }

  /**
   * Validates {@code instance} against a schema file of the spec, e.g.
   * {@code data/api/application-service/definitions/registration.yaml}, optionally with a {@code #/json/pointer}.
   *
   * @return the validator's messages; empty when valid
   */
  public List<String> validate(String schemaResource, JsonNode instance) {
    Schema schema = schemas.computeIfAbsent(schemaResource, r -> registry.getSchema(SchemaLocation.of("classpath:" + ROOT + r)));
    String json;
    try {
      json = JSON.writeValueAsString(instance);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<String> messages = new ArrayList<>();
    for (Error error : schema.validate(json, InputFormat.JSON)) {
      messages.add(error.toString());
    }
    return messages;
  }

  /** The client-server operation a request path (with or without query) matches, if the spec has one. */
  public Optional<SpecOperation> clientServerOperation(String method, String path) {
    return match(clientServer, method, clientServerPath(rawPath(path)));
  }

  /** The application-service operation a homeserver-to-AS path matches (prefix {@code /_matrix/app/v1} optional). */
  public Optional<SpecOperation> appServiceOperation(String method, String path) {
    return match(appService, method, appServicePath(rawPath(path)));
  }

  /**
   * Checks a client-server request against the spec: the operation exists, its required query parameters are
   * present (and within their enum), and the JSON body matches the request body schema.
   *
   * @param path the request path, optionally with its query string
   * @param body the parsed JSON body, or {@code null} when the request had none
   * @return violations; empty when the request conforms
   */
  public List<String> validateRequest(String method, String path, JsonNode body) {
    Optional<SpecOperation> found = clientServerOperation(method, path);
    if (found.isEmpty()) {
      return List.of("no operation in the spec for " + method + " " + rawPath(path));
    }
    SpecOperation op = found.get();
    List<String> violations = new ArrayList<>();
    Map<String, List<String>> query = query(path);
    for (JsonNode param : op.parameters()) {
      if (!"query".equals(param.path("in").asText())) {
        continue;
      }
      String name = param.path("name").asText();
      List<String> values = query.get(name);
      if (values == null) {
        if (param.path("required").asBoolean(false)) {
          violations.add("required query parameter '" + name + "' is missing");
        }
        continue;
      }
      JsonNode schema = param.path("schema");
      JsonNode allowed = schema.path("enum");
      for (String value : values) {
        if (allowed.isArray() && !contains(allowed, value)) {
          violations.add("query parameter '" + name + "'=" + value + " is not one of " + allowed);
        }
        if ("integer".equals(schema.path("type").asText()) && !value.matches("-?\\d+")) {
          violations.add("query parameter '" + name + "'=" + value + " is not an integer");
        }
      }
    }
    JsonNode requestBody = resolveLocal(op.file(), op.node().path("requestBody"));
    JsonNode jsonSchema = requestBody.path("content").path("application/json").path("schema");
    if (!jsonSchema.isMissingNode()) {
      if (body == null || body.isMissingNode()) {
        if (requestBody.path("required").asBoolean(false)) {
          violations.add("a JSON request body is required");
        }
      } else {
        String pointer = op.pointer() + "/requestBody/content/application~1json/schema";
        for (String message : validate(op.file() + "#" + pointer, body)) {
          violations.add("request body: " + message);
        }
      }
    }
    return violations;
  }

  /**
   * Checks an application service's answer to the homeserver: the status is documented for the operation, and
   * a documented JSON body matches its schema.
   *
   * @param path the path the homeserver called, relative to the AS url (with or without {@code /_matrix/app/v1})
   * @param body the parsed body, or {@code null} when it was empty or not JSON
   */
  public List<String> validateAppServiceResponse(String method, String path, int status, JsonNode body) {
    Optional<SpecOperation> found = appServiceOperation(method, path);
    if (found.isEmpty()) {
      return List.of("no application-service operation in the spec for " + method + " " + rawPath(path));
    }
    SpecOperation op = found.get();
    String code = Integer.toString(status);
    JsonNode response = op.node().path("responses").path(code);
    if (response.isMissingNode()) {
      return List.of("status " + status + " is not documented for " + method + " " + op.pathTemplate()
          + " (documented: " + fieldNames(op.node().path("responses")) + ")");
    }
    response = resolveLocal(op.file(), response);
    JsonNode schema = response.path("content").path("application/json").path("schema");
    if (schema.isMissingNode()) {
      return List.of();
    }
    if (body == null || body.isMissingNode()) {
      return List.of("status " + status + " of " + method + " " + op.pathTemplate() + " must have a JSON body");
    }
    String pointer = op.pointer() + "/responses/" + code + "/content/application~1json/schema";
    return validate(op.file() + "#" + pointer, body).stream().map(m -> "response body: " + m).toList();
  }

  private Optional<SpecOperation> match(List<SpecOperation> ops, String method, String path) {
    String m = method.toLowerCase(java.util.Locale.ROOT);
    return ops.stream().filter(op -> op.method().equals(m) && op.pattern().matcher(path).matches()).findFirst();
  }

  // The spec documents v3 paths; Synapse still serves most of them under r0 too.
  private static String clientServerPath(String path) {
    if (path.startsWith("/_matrix/client/r0/")) {
      return "/_matrix/client/v3/" + path.substring("/_matrix/client/r0/".length());
    }
    return path;
  }

  private static String appServicePath(String path) {
    for (String prefix : List.of("/_matrix/app/v1", "/_matrix/app/unstable")) {
      if (path.startsWith(prefix + "/")) {
        return "/_matrix/app/v1" + path.substring(prefix.length());
      }
    }
    // Legacy homeservers (before Synapse 1.81) call the AS without the prefix.
    return "/_matrix/app/v1" + path;
  }

  private List<SpecOperation> index(ClassLoader loader, String dir) {
    List<SpecOperation> ops = new ArrayList<>();
    for (String file : listYaml(loader, ROOT + dir)) {
      String resource = dir + "/" + file;
      JsonNode doc = document(resource);
      if (!doc.has("paths")) {
        continue;
      }
      String basePath = doc.path("servers").path(0).path("variables").path("basePath").path("default").asText("");
      for (Map.Entry<String, JsonNode> pathEntry : doc.path("paths").properties()) {
        String template = basePath + pathEntry.getKey().trim();
        for (Map.Entry<String, JsonNode> methodEntry : pathEntry.getValue().properties()) {
          if (!List.of("get", "put", "post", "delete", "patch").contains(methodEntry.getKey())) {
            continue;
          }
          String pointer = "/paths/" + escapePointer(pathEntry.getKey()) + "/" + methodEntry.getKey();
          List<JsonNode> params = new ArrayList<>();
          for (JsonNode p : pathEntry.getValue().path("parameters")) {
            params.add(resolveLocal(resource, p));
          }
          for (JsonNode p : methodEntry.getValue().path("parameters")) {
            params.add(resolveLocal(resource, p));
          }
          ops.add(new SpecOperation(resource, methodEntry.getKey(), template, SpecOperation.compile(template), params,
              methodEntry.getValue(), pointer));
        }
      }
    }
    // A literal segment beats a parameter: /profile/{userId} must not swallow a more specific template.
    ops.sort(Comparator.comparingInt(SpecOperation::literalLength).reversed());
    return List.copyOf(ops);
  }

  private JsonNode document(String resource) {
    return documents.computeIfAbsent(resource, r -> {
      try (InputStream in = SpecSchemas.class.getClassLoader().getResourceAsStream(ROOT + r)) {
        if (in == null) {
          throw new IllegalStateException("spec file missing from the classpath: " + ROOT + r);
        }
        return YAML.readTree(in);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot parse spec file " + r, e);
      }
    });
  }

  // Parameters and responses may be {$ref: '#/components/...'} within the same file.
  private JsonNode resolveLocal(String resource, JsonNode node) {
    JsonNode current = node;
    for (int depth = 0; depth < 8 && current.has("$ref"); depth++) {
      String ref = current.get("$ref").asText();
      if (!ref.startsWith("#/")) {
        return current;
      }
      current = document(resource).at(ref.substring(1));
    }
    return current;
  }

  private static List<String> listYaml(ClassLoader loader, String dir) {
    URL url = loader.getResource(dir);
    if (url == null) {
      throw new IllegalStateException("spec folder missing from the classpath: " + dir);
    }
    try {
      URI uri = url.toURI();
      if ("jar".equals(uri.getScheme())) {
        try (FileSystem fs = FileSystems.newFileSystem(uri, Map.of())) {
          return list(fs.getPath(dir));
        }
      }
      return list(Path.of(uri));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static List<String> list(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yaml")).sorted().toList();
    }
  }

  private static String escapePointer(String key) {
    return key.replace("~", "~0").replace("/", "~1");
  }

  static String rawPath(String path) {
    int q = path.indexOf('?');
    return q < 0 ? path : path.substring(0, q);
  }

  private static Map<String, List<String>> query(String path) {
    Map<String, List<String>> out = new HashMap<>();
    int q = path.indexOf('?');
    if (q < 0) {
      return out;
    }
    for (String pair : path.substring(q + 1).split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      out.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
    }
    return out;
  }

  private static boolean contains(JsonNode array, String value) {
    for (JsonNode n : array) {
      if (n.asText().equals(value)) {
        return true;
      }
    }
    return false;
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
