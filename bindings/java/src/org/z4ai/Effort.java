package org.z4ai;

/** Effort tiers (z4ai_effort). */
public enum Effort {
    FAST(z4ai_swig.Z4AI_EFFORT_FAST), DEFAULT(z4ai_swig.Z4AI_EFFORT_DEFAULT), MAX(z4ai_swig.Z4AI_EFFORT_MAX);

    final int code;

    Effort(int code) { this.code = code; }
}
