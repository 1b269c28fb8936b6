package dev.switchboard.core.event;

/** A VoIP signalling event ({@code m.call.invite}, {@code m.call.candidates}, ...) of the call {@code callId}. */
public record CallSignal(MatrixEvent event, String callId) {}
