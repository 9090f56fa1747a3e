/**
 * Every bound in one place, each with the reason for its value. Changing one changes behaviour users can see.
 */

/** Model lists: 100 000 models with long ids and metadata fit; a runaway or hostile body does not. */
export const MODEL_LIST_MAX_BYTES = 16 * 1024 * 1024;
/** Health, version and error bodies are short; a few KiB show any message a server sends. */
export const SMALL_BODY_MAX_BYTES = 64 * 1024;
/** A 1-token completion (streamed or not) is well under this. */
export const SMOKE_BODY_MAX_BYTES = 256 * 1024;
/** How much of a body the timeline keeps as evidence; enough to quote an error message. */
export const EVIDENCE_BODY_CHARS = 300;
/** Same-origin redirects followed before calling it a loop. */
export const MAX_REDIRECTS = 3;
/** Per-request timeout floor: below this a loaded runner cannot even finish a TCP handshake reliably. */
export const REQUEST_TIMEOUT_FLOOR_MS = 100;

/** Log tail read from a file or container per look: enough for a Python traceback, cheap to re-read. */
export const LOG_TAIL_BYTES = 256 * 1024;
/** A line longer than this is cut: some servers print whole configs or tensors on one line. */
export const LOG_LINE_MAX_CHARS = 500;
/** Lines of a server's log kept in memory (ring) and quoted in the summary. */
export const LOG_RING_LINES = 200;
export const LOG_LINES_QUOTED = 30;
/** Post step: how long a started server gets to stop on SIGTERM before SIGKILL. */
export const STOP_GRACE_MS = 3_000;

/** The runner keeps 10 errors per step; we use one error and a few warnings. */
export const MAX_WARNING_ANNOTATIONS = 5;
/** The runner drops a step summary over 1 MiB; stay well under it. */
export const SUMMARY_MAX_BYTES = 512 * 1024;
/** Timeline rows shown; repeated identical outcomes are folded into one row first. */
export const TIMELINE_MAX_ROWS = 60;
/** Evidence items kept in a finding. */
export const FINDING_MAX_EVIDENCE = 12;
/** Attempts kept in memory: a ten-minute wait at 10 attempts a second would otherwise grow without bound. */
export const TIMELINE_MAX_EVIDENCE = 2_000;
/** Consecutive identical failures after which a non-transient failure is settled without waiting. */
export const PERSISTENT_FAILURE_ATTEMPTS = 3;
