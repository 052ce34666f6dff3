import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { openTestStore, TEST_DATABASE_URL, type TestStore } from "../../helpers/store.js";
import { buildTestApp, type TestApp } from "../../helpers/app.js";
import { scimAgent, USER_SCHEMA } from "../../helpers/scim.js";
import { allSynced, dropPrefix, REDIS_URL, waitUntil } from "../../helpers/sync.js";
import { startFakeGenesys, type FakeGenesys } from "../../fakes/genesys/index.js";
import { createQueues, type SyncQueues } from "../../../src/sync/queues.js";
import { redisConnection } from "../../../src/sync/runtime.js";

const repo = resolve(import.meta.dirname, "../../..");

/**
 * A worker killed with SIGKILL in the middle of a job: BullMQ's stalled-job check gives the job to
 * another worker, which finishes it without duplicating the user. Needs PostgreSQL (two processes on
 * one store), so it runs in the postgres project only.
 */
describe("a worker killed mid-job", () => {
  let ts: TestStore;
  let t: TestApp;
  let fake: FakeGenesys;
  let queues: SyncQueues;
  const prefix = `crash${randomBytes(4).toString("hex")}`;
  const workers: ChildProcess[] = [];

  function startWorker(): Promise<ChildProcess> {
    const schema = ts.schema;
    const child = spawn(process.execPath, ["--import", "tsx", "test/helpers/worker-main.ts"], {
      cwd: repo,
      env: {
        PATH: process.env.PATH,
        WORKER_DATABASE_URL: TEST_DATABASE_URL,
        WORKER_SCHEMA: schema ?? "",
        WORKER_GENESYS_URL: fake.url,
        WORKER_GENESYS_CLIENT_ID: fake.clientId,
        WORKER_GENESYS_CLIENT_SECRET: fake.clientSecret,
        WORKER_REDIS_URL: REDIS_URL,
        WORKER_PREFIX: prefix,
      },
      stdio: ["ignore", "pipe", "inherit"],
    });
    workers.push(child);
    return new Promise((res, rej) => {
      child.stdout!.on("data", (d: Buffer) => d.toString().includes("ready") && res(child));
      child.once("exit", (code) => rej(new Error(`worker exited early (${code})`)));
    });
  }

  beforeAll(async () => {
    ts = await openTestStore("postgres");
    t = buildTestApp(ts.store);
    fake = await startFakeGenesys();
    queues = createQueues(redisConnection(REDIS_URL, false), prefix);
  });
  afterAll(async () => {
    for (const w of workers) if (w.exitCode === null) w.kill("SIGKILL");
    await queues.close();
    await dropPrefix(prefix);
    await fake.close();
    await ts.close();
  });

  it("takes the job up again in another worker and ends with the right state, once", async () => {
    fake.faults.delayMs = 1500; // every call is slow: the kill lands inside the job
    const first = await startWorker();
    const scim = await scimAgent(t.app, ts.store);
    const created = await scim.post("/Users", {
      schemas: [USER_SCHEMA],
      userName: "crash@example.com",
      displayName: "Crash Test",
      title: "Dummy",
    });
    expect(created.status).toBe(201);
    await waitUntil(async () => (await queues.user.getActiveCount()) > 0, "the job to start");
    first.kill("SIGKILL");
    await new Promise((r) => first.once("exit", r));
    fake.faults.delayMs = 0;
    await startWorker();
    await waitUntil(() => allSynced(ts.store), "the job to finish in the second worker", 180_000);
    const users = [...fake.state.users.values()].filter((u) => u.email === "crash@example.com");
    expect(users).toHaveLength(1);
    expect(users[0]).toMatchObject({ name: "Crash Test", title: "Dummy", state: "active" });
    const [state] = await ts.store.query<{ target_id: string; synced_version: number }>(
      "select target_id, synced_version from sync_state where resource_id = $1",
      [created.body.id],
    );
    expect(state).toEqual({ target_id: users[0]!.id, synced_version: 1 });
  });
});
