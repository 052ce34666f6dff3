import { Queue, type ConnectionOptions, type JobsOptions } from "bullmq";
import type { SyncResourceType } from "./sync-state.js";

export const QUEUE_NAMES = { User: "sync-user", Group: "sync-group", Divisions: "sync-divisions" } as const;

/** Job data: ids, never payloads or secrets (docs/architecture.md). */
export interface SyncJobData {
  type: SyncResourceType;
  id: string;
}

export interface SyncQueues {
  /** How long a new job waits before it runs (collapses bursts of changes to one resource). */
  debounceMs: number;
  user: Queue<SyncJobData>;
  group: Queue<SyncJobData>;
  divisions: Queue<Record<string, never>>;
  close(): Promise<void>;
}

/**
 * Retries: a transient failure is tried again for as long as it takes, with the workers' capped
 * backoff (sync-worker.ts retryDelayMs); permanent ones fail at once; rate limits spend no attempt.
 */
export const JOB_OPTIONS: JobsOptions = {
  attempts: Number.MAX_SAFE_INTEGER,
  backoff: { type: "capped" },
  removeOnComplete: { count: 1000 },
  removeOnFail: { count: 10_000 },
};

export function createQueues(connection: ConnectionOptions, prefix: string, debounceMs = 0): SyncQueues {
  const user = new Queue<SyncJobData>(QUEUE_NAMES.User, { connection, prefix, defaultJobOptions: JOB_OPTIONS });
  const group = new Queue<SyncJobData>(QUEUE_NAMES.Group, { connection, prefix, defaultJobOptions: JOB_OPTIONS });
  const divisions = new Queue<Record<string, never>>(QUEUE_NAMES.Divisions, {
    connection,
    prefix,
    defaultJobOptions: {
      attempts: 5,
      backoff: { type: "exponential", delay: 5000, jitter: 0.5 },
      removeOnComplete: { count: 100 },
      removeOnFail: { count: 100 },
    },
  });
  for (const q of [user, group, divisions]) q.on("error", () => undefined); // reported through readiness and the relay's log
  return {
    debounceMs,
    user,
    group,
    divisions,
    close: async () => {
      await Promise.all([user.close(), group.close(), divisions.close()]);
    },
  };
}

/** The key BullMQ's deduplication keeps for a resource while its job waits or runs. */
export function dedupId(type: SyncResourceType, id: string): string {
  return `${type}:${id}`;
}

/**
 * One job per resource at a time: BullMQ's deduplication with keepLastIfActive collapses adds while a
 * job waits, and keeps one follow-up when a change arrives during a run (a plain deduplicated add
 * during an active job would be dropped, as BullMQ's deduplication documents).
 */
function jobOf(queues: SyncQueues, type: SyncResourceType, id: string) {
  // The debounce: a job waits a moment, so that a burst of changes to one resource (Entra sends several
  // PATCHes per user in a cycle) is applied by one run, which reads the latest state.
  return {
    name: "sync",
    data: { type, id },
    opts: { delay: queues.debounceMs, deduplication: { id: dedupId(type, id), keepLastIfActive: true } },
  };
}

export async function enqueueSync(queues: SyncQueues, type: SyncResourceType, id: string): Promise<void> {
  const queue = type === "User" ? queues.user : queues.group;
  const job = jobOf(queues, type, id);
  await queue.add(job.name, job.data, job.opts);
}

/**
 * enqueueSync for many resources of a type: one addBulk, which BullMQ sends as one pipeline of the same
 * per-job adds (deduplication and delay apply to each), instead of a round trip per resource.
 */
export async function enqueueSyncMany(queues: SyncQueues, type: SyncResourceType, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  const queue = type === "User" ? queues.user : queues.group;
  await queue.addBulk(ids.map((id) => jobOf(queues, type, id)));
}

/** The job states in which a resource's job is still to run, or running. */
const LIVE_STATES: ReadonlySet<string> = new Set(["waiting", "delayed", "prioritized", "active", "waiting-children"]);

/**
 * Which of these resources have a job waiting, delayed (a debounce, a retry's backoff) or running:
 * BullMQ keeps a resource's deduplication key, naming the job, from the job's add until it finishes.
 * A key whose job is gone (a Redis that lost part of its data) does not count: the sweep, which asks,
 * is what recovers from such losses. The calls go out together, `chunk` at a time.
 */
export async function queuedOf(queues: SyncQueues, type: SyncResourceType, ids: readonly string[], chunk = 500): Promise<Set<string>> {
  const queue = type === "User" ? queues.user : queues.group;
  const queued = new Set<string>();
  for (let i = 0; i < ids.length; i += chunk) {
    await Promise.all(
      ids.slice(i, i + chunk).map(async (id) => {
        const jobId = await queue.getDeduplicationJobId(dedupId(type, id));
        if (jobId && LIVE_STATES.has(await queue.getJobState(jobId))) queued.add(id);
      }),
    );
  }
  return queued;
}
