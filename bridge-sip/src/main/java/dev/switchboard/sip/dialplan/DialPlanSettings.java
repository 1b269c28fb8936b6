package dev.switchboard.sip.dialplan;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.config.ConfigException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code sip.dial_plan} section: which numbers and SIP addresses Matrix users may call and text. Every key has a
 * safe default (home country only, no premium rate, no emergency numbers, no internal addresses, no federated users).
 *
 * @param homeCountryCodes {@code home_country_codes}: calling codes without {@code +} that count as national;
 *     default {@code sip.default_country_code}, and none when that is unset (then no number is allowed without an
 *     {@code allow} entry)
 * @param federated {@code federated} (false): whether users of other homeservers may call and text at all
 * @param emergencyNumbers {@code emergency_numbers}: national numbers never dialled (see docs/sip.md)
 * @param premiumPrefixes {@code premium_prefixes}: E.164 prefixes of premium-rate ranges; default the built-in
 *     list for the home country codes
 * @param internationalPrefixes {@code international_prefixes}: E.164 prefixes inside a home country code that are
 *     billed as international (the Caribbean members of +1); default the built-in list for the home codes
 * @param internalHosts {@code internal_hosts}: SIP hosts (names or addresses) that may be called although they are
 *     internal (loopback, private, link-local, bare names)
 * @param user {@code user.allow} / {@code user.deny}: the lists for users at level {@code user}
 * @param admin {@code admin.allow} / {@code admin.deny}: the lists for bridge admins
 */
public record DialPlanSettings(List<String> homeCountryCodes, boolean federated, Set<String> emergencyNumbers,
    List<String> premiumPrefixes, List<String> internationalPrefixes, Set<String> internalHosts, Rules user,
    Rules admin) {

  /** Numbers that reach emergency services somewhere; matched exactly against the national number. */
  public static final List<String> DEFAULT_EMERGENCY =
      List.of("112", "911", "999", "000", "110", "119", "100", "101", "102", "108", "15", "17", "18");

  /**
   * Premium-rate ranges by calling code, as E.164 prefixes. +44: 09 (premium), 087 (revenue sharing), 118
   * (directory enquiries); +1: 900, 976; +49: 0900, 0137; +33: 089; +31: 0900, 0906, 0909; +61: 190.
   */
  public static final Map<String, List<String>> DEFAULT_PREMIUM = Map.of(
      "44", List.of("+449", "+4487", "+44118"),
      "1", List.of("+1900", "+1976"),
      "49", List.of("+49900", "+49137"),
      "33", List.of("+3389"),
      "31", List.of("+31900", "+31906", "+31909"),
      "61", List.of("+61190"));

  /**
   * Ranges of a calling code that are other countries, billed as international: the NANP (+1) area codes of the
   * Caribbean and the Atlantic, the usual targets of "one ring" toll fraud.
   */
  public static final Map<String, List<String>> DEFAULT_INTERNATIONAL = Map.of("1", List.of(
      "+1242", "+1246", "+1264", "+1268", "+1284", "+1345", "+1441", "+1473", "+1649", "+1658", "+1664", "+1721",
      "+1758", "+1767", "+1784", "+1809", "+1829", "+1849", "+1868", "+1869", "+1876"));

  /** One level's lists: {@code deny} wins over {@code allow}; {@code allow} wins over the default refusals. */
  public record Rules(List<Rule> allow, List<Rule> deny) {
    public static final Rules NONE = new Rules(List.of(), List.of());

    public Rules {
      allow = List.copyOf(allow);
      deny = List.copyOf(deny);
    }
  }

  public DialPlanSettings {
    homeCountryCodes = List.copyOf(homeCountryCodes);
    emergencyNumbers = Set.copyOf(emergencyNumbers);
    premiumPrefixes = List.copyOf(premiumPrefixes);
    internationalPrefixes = List.copyOf(internationalPrefixes);
    internalHosts = Set.copyOf(internalHosts);
  }

  /** The defaults for these home codes. */
  public static DialPlanSettings defaults(List<String> homeCountryCodes) {
    return new DialPlanSettings(homeCountryCodes, false, Set.copyOf(DEFAULT_EMERGENCY),
        builtIn(DEFAULT_PREMIUM, homeCountryCodes), builtIn(DEFAULT_INTERNATIONAL, homeCountryCodes), Set.of(),
        Rules.NONE, Rules.NONE);
  }

  private static List<String> builtIn(Map<String, List<String>> table, List<String> codes) {
    List<String> out = new ArrayList<>();
    codes.forEach(c -> out.addAll(table.getOrDefault(c, List.of())));
    return out;
  }

  /**
   * Parses {@code sip.dial_plan} (missing means the defaults).
   *
   * @param defaultCountryCode {@code sip.default_country_code}, the home country unless the section names others
   */
  public static DialPlanSettings parse(JsonNode section, Optional<String> defaultCountryCode) {
    if (section.isMissingNode() || section.isNull()) {
      return defaults(defaultCountryCode.map(List::of).orElse(List.of()));
    }
    if (!section.isObject()) {
      throw new ConfigException("sip.dial_plan must be a mapping (see docs/sip.md, \"Dial plan\")");
    }
    Set<String> known = Set.of("home_country_codes", "federated", "emergency_numbers", "premium_prefixes",
        "international_prefixes", "internal_hosts", "user", "admin");
    section.fieldNames().forEachRemaining(name -> {
      if (!known.contains(name)) {
        throw new ConfigException("unknown key 'sip.dial_plan." + name + "'; expected one of " + known);
      }
    });
    List<String> home = strings(section.path("home_country_codes"), "sip.dial_plan.home_country_codes")
        .map(list -> list.stream().map(c -> c.startsWith("+") ? c.substring(1) : c).toList())
        .orElse(defaultCountryCode.map(List::of).orElse(List.of()));
    for (String c : home) {
      if (!c.matches("[1-9][0-9]{0,2}")) {
        throw new ConfigException("sip.dial_plan.home_country_codes: '" + c + "' is not a country calling code "
            + "such as 44 or 1");
      }
    }
    JsonNode fed = section.path("federated");
    if (!fed.isMissingNode() && !fed.isNull() && !fed.isBoolean()) {
      throw new ConfigException("sip.dial_plan.federated must be true or false, got " + fed);
    }
    Set<String> emergency = new LinkedHashSet<>(strings(section.path("emergency_numbers"),
        "sip.dial_plan.emergency_numbers").orElse(DEFAULT_EMERGENCY));
    for (String e : emergency) {
      if (!e.matches("[0-9]{1,15}")) {
        throw new ConfigException("sip.dial_plan.emergency_numbers: '" + e + "' is not a number of digits");
      }
    }
    List<String> premium = prefixes(section.path("premium_prefixes"), "sip.dial_plan.premium_prefixes")
        .orElse(builtIn(DEFAULT_PREMIUM, home));
    List<String> international = prefixes(section.path("international_prefixes"),
        "sip.dial_plan.international_prefixes").orElse(builtIn(DEFAULT_INTERNATIONAL, home));
    Set<String> internal = new LinkedHashSet<>();
    strings(section.path("internal_hosts"), "sip.dial_plan.internal_hosts").orElse(List.of())
        .forEach(h -> internal.add(h.toLowerCase(Locale.ROOT)));
    return new DialPlanSettings(home, fed.asBoolean(false), emergency, premium, international, internal,
        rules(section.path("user"), "sip.dial_plan.user"), rules(section.path("admin"), "sip.dial_plan.admin"));
  }

  private static Rules rules(JsonNode node, String key) {
    if (node.isMissingNode() || node.isNull()) {
      return Rules.NONE;
    }
    if (!node.isObject()) {
      throw new ConfigException(key + " must be a mapping with allow and/or deny lists");
    }
    node.fieldNames().forEachRemaining(name -> {
      if (!name.equals("allow") && !name.equals("deny")) {
        throw new ConfigException("unknown key '" + key + "." + name + "'; expected allow, deny");
      }
    });
    return new Rules(ruleList(node.path("allow"), key + ".allow"), ruleList(node.path("deny"), key + ".deny"));
  }

  private static List<Rule> ruleList(JsonNode node, String key) {
    return strings(node, key).orElse(List.of()).stream().map(s -> Rule.parse(s, key)).toList();
  }

  private static Optional<List<String>> prefixes(JsonNode node, String key) {
    Optional<List<String>> list = strings(node, key);
    list.ifPresent(l -> l.forEach(p -> {
      if (!p.matches("\\+[1-9][0-9]*")) {
        throw new ConfigException(key + ": '" + p + "' is not an E.164 prefix such as +449");
      }
    }));
    return list;
  }

  /** A list of strings (numbers are taken as their digits, as YAML reads {@code [44]}); empty when unset. */
  private static Optional<List<String>> strings(JsonNode node, String key) {
    if (node.isMissingNode() || node.isNull()) {
      return Optional.empty();
    }
    if (!node.isArray()) {
      throw new ConfigException(key + " must be a list");
    }
    List<String> out = new ArrayList<>();
    for (JsonNode v : node) {
      if (!(v.isTextual() || v.isIntegralNumber()) || v.asText().isBlank()) {
        throw new ConfigException(key + " may only hold strings, got " + v);
      }
      out.add(v.asText().strip());
    }
    return Optional.of(out);
  }
}
