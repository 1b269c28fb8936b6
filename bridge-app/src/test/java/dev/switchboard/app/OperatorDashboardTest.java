package dev.switchboard.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.switchboard.testkit.fixture.Fixture;
import dev.switchboard.testkit.fixture.HomeserverFixture;
import dev.switchboard.testkit.fixture.IrcServerFixture;
import dev.switchboard.testkit.fixture.XmppServerFixture;
import dev.switchboard.testkit.irc.NgircdServer;
import dev.switchboard.testkit.sip.RtpEngineServer;
import dev.switchboard.testkit.sip.SippScenario;
import dev.switchboard.testkit.xmpp.ProsodyServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Grafana dashboard and the Prometheus alert rules in {@code packaging/} query only series the bridge exports:
 * every metric name in their PromQL appears in a {@code /metrics} scrape of the real bridge with IRC, XMPP and SIP
 * running against ngircd, Prosody and rtpengine, after a phone call (call counters appear with the first call).
 */
class OperatorDashboardTest {
  private static final Path DASHBOARD = Path.of("../packaging/grafana/switchboard-dashboard.json");
  private static final Path ALERTS = Path.of("../packaging/prometheus/switchboard-alerts.yml");
  /** bridge-sip's scenario of a phone that calls and cancels while it rings. */
  private static final Path CALL_CANCELLED =
      Path.of("../bridge-sip/src/test/resources/sipp/uac-call-cancelled.xml").toAbsolutePath().normalize();
  private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\(\\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*,");

  @TempDir
  static Path dir;
  @RegisterExtension
  static final IrcServerFixture<NgircdServer> ircd = IrcServerFixture.ngircd();
  @RegisterExtension
  static final XmppServerFixture<ProsodyServer> prosody = XmppServerFixture.prosody();
  @RegisterExtension
  static final Fixture<RtpEngineServer> rtpengine = Fixture.of(() -> RtpEngineServer.start(dir));
  @RegisterExtension
  static final HomeserverFixture hs = HomeserverFixture.start();

  /** Each PromQL expression of the dashboard (panel targets, the instance variable's query), by where it is. */
  private static Map<String, String> dashboardQueries() throws Exception {
    JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
    Map<String, String> queries = new LinkedHashMap<>();
    for (JsonNode panel : dashboard.path("panels")) {
      for (JsonNode target : panel.path("targets")) {
        queries.put("panel '" + panel.path("title").asText() + "' " + target.path("refId").asText(),
            target.path("expr").asText());
      }
    }
    for (JsonNode variable : dashboard.path("templating").path("list")) {
      Matcher m = LABEL_VALUES.matcher(variable.path("definition").asText());
      if (m.find()) {
        queries.put("variable " + variable.path("name").asText(), m.group(1));
      }
    }
    return queries;
  }

  private static Map<String, String> alertQueries() throws Exception {
    JsonNode rules = new ObjectMapper(new YAMLFactory()).readTree(ALERTS.toFile());
    Map<String, String> queries = new LinkedHashMap<>();
    for (JsonNode group : rules.path("groups")) {
      for (JsonNode rule : group.path("rules")) {
        queries.put("alert " + rule.path("alert").asText(), rule.path("expr").asText());
      }
    }
    return queries;
  }

  private static String scrape(ThreeNetworkBridge bridge) throws Exception {
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + bridge.bridge().metricsPort() + "/metrics"))
        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return r.body();
  }

  /** "where: name" for every name a query reads that the scrape lacks. */
  private static List<String> notExported(Map<String, String> queries, Set<String> exported) {
    List<String> missing = new ArrayList<>();
    queries.forEach((where, expr) -> {
      Set<String> names = PromQl.seriesIn(expr);
      if (names.isEmpty()) {
        missing.add(where + ": reads no series (" + expr + ")");
      }
      names.stream().filter(n -> !exported.contains(n)).forEach(n -> missing.add(where + ": " + n));
    });
    return missing;
  }

  @Test
  void everySeriesTheDashboardAndTheAlertsQueryIsExportedByTheRunningBridge() throws Exception {
    Map<String, String> dashboard = dashboardQueries();
    Map<String, String> alerts = alertQueries();
    assertThat(dashboard).as("dashboard queries").hasSizeGreaterThan(15);
    assertThat(dashboard.values().stream().flatMap(expr -> PromQl.seriesIn(expr).stream()))
        .as("what the operator asked for: connections, messages each way, queues, inbox backlog, calls")
        .contains("switchboard_irc_connections", "switchboard_xmpp_component_state", "switchboard_irc_messages_total",
            "switchboard_xmpp_messages_total", "switchboard_sip_messages_total", "switchboard_inbox_depth",
            "switchboard_outbound_queue_depth", "switchboard_inbox_oldest_age_seconds", "switchboard_sip_calls_total");
    assertThat(alerts.keySet()).as("alert rules")
        .contains("alert SwitchboardInboxStuck", "alert SwitchboardNetworkDisconnected",
            "alert SwitchboardHomeserverPingFailing", "alert SwitchboardHomeserverErrors");

    try (ThreeNetworkBridge bridge = ThreeNetworkBridge.start(dir, hs.get(), ircd.get(), prosody.get(),
        rtpengine.get())) {
      hs.get().user("alice");
      // A phone calls the number that rings alice and gives up while it rings: started, then failed.
      try (SippScenario phone = SippScenario.call(CALL_CANCELLED, "127.0.0.1:" + bridge.sipPort(), dir,
          Duration.ofSeconds(60), List.of("-s", ThreeNetworkBridge.RINGS_ALICE))) {
        assertThat(phone.awaitExit(Duration.ofSeconds(60))).as(phone::diagnostics).isZero();
      }

      await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
        Set<String> exported = PromQl.exported(scrape(bridge));
        assertThat(notExported(dashboard, exported)).as("dashboard series missing from /metrics").isEmpty();
        assertThat(notExported(alerts, exported)).as("alert series missing from /metrics").isEmpty();
      });
      String scrape = scrape(bridge);
      assertThat(scrape).contains(
          "switchboard_sip_calls_total{direction=\"inbound\",outcome=\"started\",protocol=\"sip\"} 1.0");
    }
  }

  @Test
  void everyAlertRuleHasADurationASeverityAndWordsForTheOperator() throws Exception {
    JsonNode rules = new ObjectMapper(new YAMLFactory()).readTree(ALERTS.toFile()).path("groups").path(0)
        .path("rules");

    assertThat(rules).isNotEmpty().allSatisfy(rule -> {
      assertThat(rule.path("alert").asText()).as("alert name").matches("Switchboard[A-Za-z]+");
      assertThat(rule.path("for").asText()).as(rule.path("alert").asText() + " for").matches("[0-9]+[smh]");
      assertThat(rule.path("labels").path("severity").asText()).isIn("warning", "critical");
      assertThat(rule.path("annotations").path("summary").asText()).isNotBlank();
      assertThat(rule.path("annotations").path("description").asText()).isNotBlank();
    });
  }

  @Test
  void aSeriesTheBridgeDoesNotExportIsReported() {
    Set<String> exported = new TreeSet<>(Set.of("switchboard_inbox_depth"));

    assertThat(notExported(Map.of("panel x", "sum(switchboard_inbox_depth) + sum(switchboard_made_up_total)"),
        exported)).containsExactly("panel x: switchboard_made_up_total");
    assertThat(notExported(Map.of("panel y", "vector(1)"), exported)).singleElement().asString()
        .contains("reads no series");
  }
}
