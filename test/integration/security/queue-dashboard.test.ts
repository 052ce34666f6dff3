import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { randomBytes } from "node:crypto";
import { Worker, type Queue } from "bullmq";
import request from "supertest";
import { openTestStore, type TestStore } from "../../helpers/store.js";
import { system } from "../../helpers/app.js";
import { startTestServer, type StartedServer } from "../../helpers/server.js";
import { REDIS_URL, dropPrefix } from "../../helpers/sync.js";
import { createQueues, type SyncJobData, type SyncQueues } from "../../../src/sync/queues.js";
import { redisConnection } from "../../../src/sync/runtime.js";
import { createRole } from "../../../src/oauth/role-service.js";
import { createClient, type ClientWithSecret } from "../../../src/oauth/client-registry.js";

const BASE = "/admin/queues";
const FORBIDDEN_TO_ACT = { error: "forbidden", message: "this client lacks the permission bridge:job:retry" };

/** Bull Board behind the admin bearer check: bridge:job:view reads, only bridge:job:retry changes a queue. */
describe("the queue dashboard is read-only without bridge:job:retry", () => {
  const prefix = `qd${randomBytes(4).toString("hex")}`;
  let ts: TestStore | undefined;
  let queues: SyncQueues | undefined;
  let worker: Worker<SyncJobData> | undefined;
  let srv: StartedServer;
  let viewer: ClientWithSecret;
  let operator: ClientWithSecret;
  let auditor: ClientWithSecret;
  let user: Queue<SyncJobData>;
  let group: Queue<SyncJobData>;
  let all: Queue[];

  const http = () => request(srv.url);
  const bearer = async (c: { id: string; secret: string }) => {
    const res = await http().post("/oauth/token").auth(c.id, c.secret).type("form").send({ grant_type: "client_credentials" });
    expect(res.status).toBe(200);
    return { authorization: `Bearer ${res.body.access_token as string}` };
  };

  /** Everything a dashboard call could change: pause flags, counts per state, each job's state and data, queue settings. */
  const snapshot = async () => ({
    paused: await Promise.all(all.map((q) => q.isPaused())),
    counts: await Promise.all(all.map((q) => q.getJobCounts())),
    concurrency: await Promise.all(all.map((q) => q.getGlobalConcurrency())),
    jobs: await Promise.all(
      [
        [user, "failed-job"],
        [user, "delayed-job"],
        [group, "waiting-job"],
      ].map(async ([q, id]) => {
        const job = await (q as Queue<SyncJobData>).getJob(id as string);
        return job ? { id, state: await job.getState(), data: job.data, delay: job.delay, priority: job.priority } : { id, state: "gone" };
      }),
    ),
  });

  beforeAll(async () => {
    ts = await openTestStore();
    queues = createQueues(redisConnection(REDIS_URL, false), prefix, 0);
    user = queues.user;
    group = queues.group;
    all = [queues.user, queues.group, queues.divisions];
    await Promise.all(all.map((q) => q.waitUntilReady()));

    // One failed job, so that "retry" has something to retry: a worker that runs it once and throws.
    worker = new Worker<SyncJobData>(
      user.name,
      async () => {
        throw new Error("the target refused it");
      },
      { connection: redisConnection(REDIS_URL, true), prefix },
    );
    const failed = new Promise<void>((resolve) => worker!.once("failed", () => resolve()));
    await user.add("sync", { type: "User", id: "u-failed" }, { jobId: "failed-job", attempts: 1 });
    await failed;
    await worker.close();
    worker = undefined;
    // One delayed job (promote, clean, empty, edit would touch it) and one waiting job in another queue (pause all, empty).
    await user.add("sync", { type: "User", id: "u-delayed" }, { jobId: "delayed-job", delay: 3_600_000 });
    await group.add("sync", { type: "Group", id: "g-waiting" }, { jobId: "waiting-job" });

    srv = await startTestServer(ts.store, { LOG_LEVEL: "warn" }, { queues });
    const now = new Date();
    const viewRole = await createRole(ts.store, system, now, { name: "Job viewer", permissions: ["bridge:job:view"] });
    const operateRole = await createRole(ts.store, system, now, {
      name: "Job operator",
      permissions: ["bridge:job:view", "bridge:job:retry"],
    });
    const auditRole = await createRole(ts.store, system, now, {
      name: "Auditor",
      permissions: ["bridge:audit:view", "bridge:client:view"],
    });
    viewer = await createClient(ts.store, system, now, { name: "viewer", roleDivisions: [{ roleId: viewRole.id, divisionId: "*" }] });
    operator = await createClient(ts.store, system, now, {
      name: "operator",
      roleDivisions: [{ roleId: operateRole.id, divisionId: "*" }],
    });
    auditor = await createClient(ts.store, system, now, { name: "auditor", roleDivisions: [{ roleId: auditRole.id, divisionId: "*" }] });
  });
  afterAll(async () => {
    // Each step runs even when an earlier one (or the test) failed.
    await srv?.close().catch(() => undefined);
    await worker?.close().catch(() => undefined);
    await queues?.close().catch(() => undefined);
    await dropPrefix(prefix).catch(() => undefined);
    await ts?.close();
  });

  it("a viewer's every mutating call answers 403 and changes nothing; the same viewer reads the queues", async () => {
    const before = await snapshot();
    expect(before.paused).toEqual([false, false, false]);
    expect(before.jobs.map((j) => j.state)).toEqual(["failed", "delayed", "waiting"]);

    const auth = await bearer(viewer);
    const u = `${BASE}/api/queues/${encodeURIComponent(user.name)}`;
    const g = `${BASE}/api/queues/${encodeURIComponent(group.name)}`;
    const attacks: Array<[string, string, object?]> = [
      ["PUT", `${u}/pause`],
      ["PUT", `${u}/resume`],
      ["PUT", `${u}/clean/failed`],
      ["PUT", `${u}/clean/delayed`],
      ["PUT", `${u}/clean/completed`],
      ["PUT", `${g}/empty`],
      ["PUT", `${u}/empty`],
      ["PUT", `${u}/retry/failed`],
      ["PUT", `${u}/promote`],
      ["PUT", `${u}/obliterate`, {}],
      ["PUT", `${u}/concurrency`, { concurrency: 1 }],
      ["PUT", `${u}/rate-limit`, { max: 1, duration: 60_000 }],
      ["PUT", `${u}/rate-limit/release`],
      ["PUT", `${BASE}/api/queues/pause`],
      ["PUT", `${BASE}/api/queues/resume`],
      ["PUT", `${u}/failed-job/retry`],
      ["PUT", `${u}/delayed-job/promote`],
      ["PUT", `${u}/delayed-job/clean`],
      ["PUT", `${g}/waiting-job/clean`],
      ["PATCH", `${u}/delayed-job/update-data`, { data: { type: "User", id: "someone-else" } }],
      ["PATCH", `${u}/delayed-job/delay`, { delay: 0 }],
      ["PATCH", `${u}/delayed-job/priority`, { priority: 1 }],
      ["POST", `${u}/add`, { name: "sync", data: { type: "User", id: "injected" } }],
      // Not a Bull Board route, but the gate decides by method: any other method is refused before routing.
      ["DELETE", `${u}/delayed-job/clean`],
      ["DELETE", `${u}/delayed-job`],
    ];
    for (const [method, path, body] of attacks) {
      const res = await http()
        [method.toLowerCase() as "put" | "patch" | "post" | "delete"](path)
        .set(auth)
        .send(body ?? {});
      expect({ call: `${method} ${path}`, status: res.status, body: res.body }).toEqual({
        call: `${method} ${path}`,
        status: 403,
        body: FORBIDDEN_TO_ACT,
      });
      expect(res.headers["www-authenticate"]).toContain('error="insufficient_scope"');
    }
    // A GET to a mutating path is read as a job lookup, and a method-override header is not honoured: neither acts.
    for (const path of [`${u}/pause`, `${BASE}/api/queues/pause`, `${u}/delayed-job/promote`]) {
      const res = await http().get(path).set(auth).set("x-http-method-override", "PUT");
      expect(res.status).toBeLessThan(500);
    }
    expect(await snapshot()).toEqual(before);

    // The legitimate use beside it: the viewer reads the list, one job, and the page itself.
    const list = await http().get(`${BASE}/api/queues`).set(auth);
    expect(list.status).toBe(200);
    const listed = list.body.queues as Array<{ name: string; counts: Record<string, number> }>;
    expect(listed.map((q) => q.name).sort()).toEqual(all.map((q) => q.name).sort());
    expect(listed.find((q) => q.name === user.name)!.counts).toMatchObject({ failed: 1, delayed: 1 });
    const job = await http().get(`${u}/delayed-job`).set(auth);
    expect(job.status).toBe(200);
    expect(job.body).toMatchObject({ status: "delayed", job: { id: "delayed-job", data: { type: "User", id: "u-delayed" } } });
    const page = await http().get(`${BASE}/`).set(auth);
    expect(page.status).toBe(200);
    expect(page.headers["content-type"]).toMatch(/text\/html/);
  });

  it("an operator holding bridge:job:retry pauses and resumes a queue, and retries the failed job, through the same calls", async () => {
    const auth = await bearer(operator);
    const u = `${BASE}/api/queues/${encodeURIComponent(user.name)}`;
    expect((await http().put(`${u}/pause`).set(auth)).status).toBe(200);
    expect(await user.isPaused()).toBe(true);
    expect(await group.isPaused()).toBe(false);
    expect((await http().put(`${u}/resume`).set(auth)).status).toBe(200);
    expect(await user.isPaused()).toBe(false);

    const retried = await http().put(`${u}/failed-job/retry`).set(auth);
    expect(retried.status).toBe(204);
    expect(await (await user.getJob("failed-job"))!.getState()).toBe("waiting");
  });

  it("no token: 401 for reads and writes; a client with neither permission: 403 even to read", async () => {
    const u = `${BASE}/api/queues/${encodeURIComponent(user.name)}`;
    for (const res of [await http().get(`${BASE}/api/queues`), await http().put(`${u}/pause`), await http().get(`${BASE}/`)]) {
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ error: "unauthorized", message: "no bearer token" });
      expect(res.headers["www-authenticate"]).toBe('Bearer realm="scim-bridge"');
    }
    const badToken = await http().get(`${BASE}/api/queues`).set({ authorization: "Bearer not-a-token" });
    expect(badToken.status).toBe(401);

    const auth = await bearer(auditor);
    const read = await http().get(`${BASE}/api/queues`).set(auth);
    expect(read.status).toBe(403);
    expect(read.body).toEqual({ error: "forbidden", message: "this client lacks the permission bridge:job:view" });
    const act = await http().put(`${u}/pause`).set(auth);
    expect(act.status).toBe(403);
    expect(act.body).toEqual({ error: "forbidden", message: "this client lacks the permission bridge:job:view" });
    expect(await user.isPaused()).toBe(false);
    // The same client still does what its role allows elsewhere.
    expect((await http().get("/admin/v1/audit").set(auth)).status).toBe(200);
  });
});
