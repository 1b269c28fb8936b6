/** The Matrix spec's API definitions, loaded from the classpath, for validating requests, responses and files. */
package dev.switchboard.testkit.spec;
