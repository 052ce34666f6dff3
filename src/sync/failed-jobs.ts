import type { Job } from "bullmq";
import type { SyncQueues } from "./queues.js";
import type { Store } from "../store/store.js";
import { markPending } from "./sync-state.js";

export interface FailedJob {
  id: string;
  queue: string;
  resourceType: string;
  resourceId: string;
  failedReason: string;
  attemptsMade: number;
  failedAt: string | null;
}

function describe(job: Job): FailedJob {
  const data = job.data as { type?: string; id?: string };
  return {
    id: `${job.queueName}:${job.id}`,
    queue: job.queueName,
    resourceType: data.type ?? "Division",
    resourceId: data.id ?? "*",
    failedReason: job.failedReason,
    attemptsMade: job.attemptsMade,
    failedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
  };
}

export async function listFailedJobs(queues: SyncQueues, limit = 500): Promise<FailedJob[]> {
  const all = await Promise.all([queues.user, queues.group, queues.divisions].map((q) => q.getFailed(0, limit - 1)));
  return all
    .flat()
    .map(describe)
    .sort((a, b) => (b.failedAt ?? "").localeCompare(a.failedAt ?? ""));
}

/** Retries a failed job (`sync-user:42`, or a bare id searched in every queue); null when there is none. */
export async function retryFailedJob(store: Store, queues: SyncQueues, ref: string, now: Date): Promise<FailedJob | null> {
  const colon = ref.lastIndexOf(":");
  const queueName = colon > 0 ? ref.slice(0, colon) : undefined;
  const jobId = colon > 0 ? ref.slice(colon + 1) : ref;
  for (const q of [queues.user, queues.group, queues.divisions]) {
    if (queueName && q.name !== queueName) continue;
    const job = await q.getJob(jobId);
    if (!job || !(await job.isFailed())) continue;
    const data = job.data as { type?: "User" | "Group"; id?: string };
    if (data.type && data.id) await markPending(store, data.type, data.id, now);
    await job.retry("failed", { resetAttemptsMade: true, resetAttemptsStarted: true });
    return describe(job);
  }
  return null;
}
