/**
 * Every bound in one place, each with the reason for its value. Changing one changes behaviour users can see.
 * SECURITY.md lists them as the answer to "what can a hostile server make us do".
 */

// ── HTTP: what one request may cost ────────────────────────────────────────────────────────────────────────

/** Model lists: 100 000 models with long ids and metadata fit; a runaway or hostile body does not. */
export const MODEL_LIST_MAX_BYTES = 16 * 1024 * 1024;
/** Health, version and error bodies are short; a few KiB show any message a server sends. */
export const SMALL_BODY_MAX_BYTES = 64 * 1024;
/** A 1-token completion (streamed or not) is well under this. */
export const SMOKE_BODY_MAX_BYTES = 256 * 1024;
/**
 * A body whose declared Content-Length is over its bound is already a bad response; this much of it is read
 * only to quote the start, so a 200 MB answer costs 64 KiB, not the bound.
 */
export const OVERSIZED_BODY_QUOTE_BYTES = 64 * 1024;
/** How much of a body the timeline keeps as evidence; enough to quote an error message. */
export const EVIDENCE_BODY_CHARS = 300;
/** Header values kept as evidence: a Server or Location header is short; a hostile one is cut here. */
export const HEADER_EVIDENCE_MAX_CHARS = 200;
/** The version is a nicety asked for after ready: it must not hold up a job that can go on. */
export const VERSION_REQUEST_TIMEOUT_MS = 1_000;
/** Same-origin redirects followed before calling it a loop: real servers redirect once (a trailing slash). */
export const MAX_REDIRECTS = 3;
/**
 * Per-request timeout floor: below this a loaded runner cannot even finish a TCP handshake reliably. The
 * last poll right at the deadline still gets this long, so the step may end up to this much past `timeout`.
 */
export const REQUEST_TIMEOUT_FLOOR_MS = 100;

// ── Logs: what a chatty or hostile server log may cost ─────────────────────────────────────────────────────

/** Log tail read from a file or container per look: enough for a Python traceback, cheap to re-read. */
export const LOG_TAIL_BYTES = 256 * 1024;
/** A log line is shown up to this long: some servers print whole configs or tensors on one line. */
export const LOG_LINE_MAX_CHARS = 500;
/**
 * A log line is kept (and matched) up to this long: longer than it is shown, so the cut for display comes after
 * redaction and a decisive message late in a long line is still matched.
 */
export const LOG_LINE_KEEP_CHARS = 4 * LOG_LINE_MAX_CHARS;
/** Lines of a server's log kept in memory (ring). */
export const LOG_RING_LINES = 200;
/** Log lines quoted in the job log and the summary: a traceback's end, not the whole start-up story. */
export const LOG_LINES_QUOTED = 30;
/** The terminal is read by a person scrolling back: half of what the job summary folds away. */
export const TERMINAL_LINES_QUOTED = 15;
/** Post step: how long a started server gets to stop on SIGTERM before SIGKILL. */
export const STOP_GRACE_MS = 3_000;
/** `docker rm -f` of the container a `docker run -d` start command left: it kills at once, then removes. */
export const DOCKER_REMOVE_TIMEOUT_MS = 20_000;

// ── Reports: what the runner accepts ───────────────────────────────────────────────────────────────────────

/** The runner keeps 10 errors per step; bad input needs at most one per input, and never more than this. */
export const MAX_ERROR_ANNOTATIONS = 8;
/** The runner keeps 10 warnings per step; we use a few. */
export const MAX_WARNING_ANNOTATIONS = 5;
/**
 * The runner drops a step summary over 1 MiB (and says so in an error annotation); stay at half of it, after
 * redaction, which can make text longer ("a" → "***").
 */
export const SUMMARY_MAX_BYTES = 512 * 1024;
/**
 * The `models` output: a job's outputs are capped at 1 MB in all, and a list this long is a server gone wrong;
 * the summary and the JSON report still give the count.
 */
export const MODELS_OUTPUT_MAX_BYTES = 64 * 1024;
/** Timeline rows shown; repeated identical outcomes are folded into one row first. */
export const TIMELINE_MAX_ROWS = 60;
/** Characters of an input's bad value echoed back in the error: enough to recognise it, not a whole file. */
export const INPUT_ECHO_MAX_CHARS = 80;
/** The live status line on a terminal: one line of a narrow terminal. */
export const STATUS_LINE_MAX_CHARS = 120;

// ── Memory of one run ──────────────────────────────────────────────────────────────────────────────────────

/** Evidence items kept in a finding. */
export const FINDING_MAX_EVIDENCE = 12;
/** Log lines a finding quotes around its cause: the last few before the failure tell the story. */
export const FINDING_LOG_LINES = 6;
/**
 * Model ids kept in the timeline's "model list" entry (the whole list still decides what is served): the
 * report shows a list, not a 100 000-line dump.
 */
export const MODELS_EVIDENCE_MAX_IDS = 1_000;
/** Attempts kept in memory: a ten-minute wait at 10 attempts a second would otherwise grow without bound. */
export const TIMELINE_MAX_EVIDENCE = 2_000;
/** Consecutive identical failures after which a non-transient failure is settled without waiting. */
export const PERSISTENT_FAILURE_ATTEMPTS = 3;

// ── Cancellation ───────────────────────────────────────────────────────────────────────────────────────────

/**
 * After SIGINT the runner waits 7.5 s before SIGTERM, then 2.5 s before killing the tree. If the report has
 * not been written this long after the signal, exit anyway with what is on disk: a stuck write must not
 * turn a clean cancellation into a kill.
 */
export const CANCEL_EXIT_AFTER_MS = 5_000;

/** Bound on the one look, before `start` runs, at whether the port is already taken. */
export const PORT_CHECK_TIMEOUT_MS = 200;
/** Bound on one `ps` or `lsof` call that finds the sockets a started server listens on (where there is no /proc). */
export const LISTEN_LOOKUP_TIMEOUT_MS = 3_000;
/** Bytes kept of one such call's output: a process table of a busy machine fits many times over. */
export const LISTEN_LOOKUP_MAX_BYTES = 1024 * 1024;
/**
 * Where the started server listens is looked up at most this often (while base-url refuses, or another
 * server answers on a busy port): a /proc scan of 120 processes took 30 ms here, ps and lsof 90 ms.
 */
export const LISTEN_LOOK_EVERY_MS = 1_000;
/**
 * When the port was already taken before `start` ran, an answer there proves nothing until our server has
 * survived this long: a server that cannot bind dies within a second or so, with its log saying why.
 */
export const BUSY_PORT_SURVIVAL_MS = 2_000;

/** After a fatal log line, how long to wait for the started server's exit so the report can quote its code. */
export const FATAL_LINE_EXIT_WAIT_MS = 1_000;

// ── Looking around when base-url refuses (engine/stages/surroundings.ts) ──────────────────────────────────

/** One connect to a well-known port of this machine: loopback refuses or accepts in well under a millisecond. */
export const NEIGHBOUR_CONNECT_TIMEOUT_MS = 250;
/** One GET /v1/models on a port that accepted: a server next door that takes longer is not worth the wait. */
export const NEIGHBOUR_REQUEST_TIMEOUT_MS = 750;
/** A neighbour's model list is read only for its first ids: a list past this is named without them. */
export const NEIGHBOUR_LIST_MAX_BYTES = 256 * 1024;
/** Model ids named per neighbour. */
export const NEIGHBOUR_MODELS_SHOWN = 5;

/**
 * While connections are refused, a bare TCP connect this often: a refused connect costs the server nothing (no
 * process listens), and the HTTP attempt follows the moment one is accepted.
 */
export const REFUSED_CONNECT_GAP_MS = 15;
/** While connections are refused, an HTTP attempt still this often, so the timeline keeps the refusals. */
export const REFUSED_HTTP_EVERY_MS = 1_000;
/**
 * While waiting, a line saying so at least this often when nothing changed: a 10-minute load must not look hung
 * in a CI log, and a 30 s one prints a handful of lines, not dozens.
 */
export const HEARTBEAT_MS = 10_000;
/**
 * A server's own lines echoed live in the main step: at most this many per LIVE_LOG_WINDOW_MS, and
 * LIVE_LOG_MAX_LINES in all; the rest are counted in an "N lines not shown" marker (the post step and the
 * log file have them).
 */
export const LIVE_LOG_LINES_PER_WINDOW = 30;
export const LIVE_LOG_WINDOW_MS = 10_000;
export const LIVE_LOG_MAX_LINES = 500;
/** Containers inspected at most when looking for a service label or its mapped port (one `docker container inspect`). */
export const SERVICE_CONTAINERS_MAX = 50;
/** Bytes of `docker container inspect` output read for them: a container's record is a few KiB. */
export const SERVICE_INSPECT_MAX_BYTES = 1024 * 1024;
