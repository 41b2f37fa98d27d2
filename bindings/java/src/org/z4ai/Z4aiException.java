package org.z4ai;

/** A failed z4ai call: the pinned status code, its name (e.g. "Z4AI_E_CORRUPT") and detail. */
public class Z4aiException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int status;
    private final String statusName;
    private final String detail;

    public Z4aiException(int status, String statusName, String detail) {
        super(detail == null || detail.isEmpty() || detail.equals(statusName) ? statusName : statusName + ": " + detail);
        this.status = status;
        this.statusName = statusName;
        this.detail = detail == null ? "" : detail;
    }

    /** The pinned status code (negative), as in z4ai.h. */
    public int status() { return status; }
    /** The pinned status name, e.g. "Z4AI_E_CORRUPT". */
    public String statusName() { return statusName; }
    /** The context's detail text (may be empty). */
    public String detail() { return detail; }
}
