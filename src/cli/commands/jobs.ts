import type { Command } from "commander";
import { listFailedJobs, retryFailedJob } from "../../sync/failed-jobs.js";
import { DomainError } from "../../errors/domain-error.js";
import type { CliContext } from "../context.js";
import { printLines, printResult } from "../output.js";

const FAILED_JOB_COLUMNS = ["id", "resourceType", "resourceId", "attemptsMade", "failedAt", "failedReason"];

/** `jobs …`: failed sync jobs, through failed-jobs.ts as the admin API uses it. */
export function registerJobCommands(program: Command, ctx: CliContext): void {
  const jobs = program.command("jobs").description("sync jobs");
  jobs
    .command("failed")
    .option("--json", "print JSON")
    .action(async (o: { json?: boolean }) =>
      ctx.withQueues(async (queues) => printResult(await listFailedJobs(queues), !!o.json, FAILED_JOB_COLUMNS)),
    );

  jobs
    .command("retry <jobId>")
    .description("retry a failed job (an id as `jobs failed` prints it)")
    .action(async (jobId: string) =>
      ctx.withStore((store) =>
        ctx.withQueues(async (queues) => {
          const job = await retryFailedJob(store, queues, jobId, ctx.now());
          if (!job) throw new DomainError("not_found", `no failed job ${jobId}`);
          printLines(`retrying ${job.id}`);
        }),
      ),
    );
}
