package dev.switchboard.core.provisioning;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/** {@code docs/provisioning-openapi.yaml} documents exactly the routes the server has. */
class ProvisioningOpenApiTest {

  @Test
  void theOpenApiDocumentListsEveryRouteAndNoOther() throws Exception {
    JsonNode doc = new ObjectMapper(new YAMLFactory()).readTree(Path.of("../docs/provisioning-openapi.yaml").toFile());

    List<String> documented = new ArrayList<>();
    doc.path("paths").properties().forEach(path -> path.getValue().properties().forEach(op -> {
      if (List.of("get", "post", "put", "delete").contains(op.getKey())) {
        documented.add(op.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey());
      }
    }));

    assertThat(doc.path("openapi").asText()).startsWith("3.");
    assertThat(doc.path("servers").get(0).path("url").asText()).endsWith(ProvisioningServer.PREFIX);
    assertThat(documented).containsExactlyInAnyOrderElementsOf(ProvisioningServer.ROUTES);
  }
}
