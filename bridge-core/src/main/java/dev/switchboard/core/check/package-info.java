/** What {@code switchboard check} runs: one-shot checks of the config's settings against the real servers. */
package dev.switchboard.core.check;
