/**
 * MCP progress of one tool call (notifications/progress), for a call whose request carried
 * `_meta.progressToken`. The call's stages (tools/define.ts: each paging loop, the handler's
 * own reports) count on from one another, so the progress of the call only grows:
 * - a report whose value is not above the highest one so far is dropped (monotonic, as the
 *   specification requires);
 * - rate limit: at most one notification per `minIntervalMs`; a stage's last report (done =
 *   total) is always sent, so a loop of thousands of pages sends a few per second, not one per
 *   page, and a known end is never swallowed;
 * - `total` is sent only when the stage knows it and it is not below `done` (a total ALTR
 *   under-reports is left out rather than sent wrong).
 */
import type { Progress } from "../tools/define.js";

/** What a notification carries besides the token. */
export interface ProgressNotice {
  progress: number;
  total?: number;
  message: string;
}

/** Default least time between two notifications of one call. */
export const PROGRESS_INTERVAL_MS = 100;

export function callProgress(send: (notice: ProgressNotice) => void, minIntervalMs = PROGRESS_INTERVAL_MS, now = () => performance.now()): Progress {
  /** Highest progress value reported (sent or held back by the rate limit). */
  let reached = 0;
  let lastSentAt = Number.NEGATIVE_INFINITY;
  return {
    stage() {
      const base = reached;
      return {
        report(done, total, message) {
          const value = base + done;
          if (!(value > reached)) return;
          reached = value;
          const end = total !== undefined && total >= done ? base + total : undefined;
          const at = now();
          if (value !== end && at - lastSentAt < minIntervalMs) return;
          lastSentAt = at;
          send({ progress: value, ...(end !== undefined ? { total: end } : {}), message });
        },
      };
    },
  };
}
