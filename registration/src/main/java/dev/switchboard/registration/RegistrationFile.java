package dev.switchboard.registration;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/** Reads and writes registration YAML files, keeping existing tokens across rewrites. */
public final class RegistrationFile {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
      .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
      .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS))
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private RegistrationFile() {}

  /** Reads a registration file. */
  public static Registration read(Path path) {
    try {
      Registration r = YAML.readValue(path.toFile(), Registration.class);
      if (r == null) {
        throw new RegistrationException("registration file " + path + " is empty");
      }
      return r;
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      // Jackson's own message runs over several lines (the source and a path); one line names the spot.
      throw new RegistrationException("registration file " + path + " is not valid: " + e.getOriginalMessage()
          + (e.getLocation() != null ? " (line " + e.getLocation().getLineNr() + ")" : ""), e);
    } catch (IOException e) {
      throw new RegistrationException("cannot read registration file " + path + ": " + FileProblem.describe(e), e);
    }
  }

  /** The YAML text of a registration. */
  public static String toYaml(Registration registration) {
    try {
      return YAML.writeValueAsString(registration);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Writes the registration for the given claims to {@code path}. If the file exists, its id and tokens are
   * kept (a homeserver already holds them) and only url, bot and namespaces are refreshed.
   *
   * @return what was written
   */
  public static Registration writeKeepingTokens(Path path, String id, String url, String senderLocalpart,
      Namespaces namespaces, List<String> protocols, Tokens tokens, String serverName) {
    Registration next;
    if (Files.exists(path)) {
      Registration existing = read(path);
      next = existing.withClaims(url, senderLocalpart, namespaces, protocols);
    } else {
      next = new Registration(id, url, tokens.generate(), tokens.generate(), senderLocalpart, namespaces, false,
          protocols, true, true);
    }
    RegistrationValidator.validate(next, serverName);
    write(path, next);
    return next;
  }

  /** Writes atomically (temp file + move), readable only by the owner where the file system allows. */
  public static void write(Path path, Registration registration) {
    try {
      Path dir = path.toAbsolutePath().getParent();
      Files.createDirectories(dir);
      Path tmp = Files.createTempFile(dir, ".registration", ".tmp");
      try {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException ignored) {
        // Not a POSIX file system; the admin protects the file.
      }
      Files.writeString(tmp, "# Switchboard application-service registration. Give this file to the homeserver\n"
          + "# (Synapse: app_service_config_files). Keep it secret: it holds both tokens.\n"
          + toYaml(registration));
      Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new RegistrationException("cannot write registration file " + path + ": " + FileProblem.describe(e), e);
    }
  }
}
