/**
 * Admin operations on the sync, from the store (not from Redis job ids): retry what failed for good,
 * resync everything. Both the admin API (`POST /admin/v1/sync/retry|resync`) and the CLI
 * (`scim-bridge sync retry|resync`) call these. The store is changed first, in one transaction with
 * its audit record, then the resources are queued: should Redis fail half-way, the store already says
 * pending and the sweep (sweep.ts) queues the rest.
 */
import { z } from "zod";
import type { Queryable, Store } from "../store/store.js";
import { DomainError } from "../errors/domain-error.js";
import { bodyObject } from "../errors/parse-body.js";
import { recordAudit } from "../audit/audit-log.js";
import { enqueueSync, type SyncQueues } from "./queues.js";
import { RESOURCE_TABLES, markPendingMany, type SyncResourceType } from "./sync-state.js";
import { SYNC_STATES } from "./sync-status.js";

/** Bounds one step of Redis work in time (the admin API's and the CLI's Redis deadline). */
export type RedisBound = <T>(work: () => Promise<T>) => Promise<T>;

export interface SyncOperationContext {
  store: Store;
  queues: SyncQueues;
  /** Who asks, as the audit log names them. */
  actor: string;
  now: Date;
  /** Applied to each batch of Redis work; a whole resync may take longer than one deadline. */
  bounded?: RedisBound;
}

const RESOURCE_TYPES = ["User", "Group"] as const;
const ResourceType = z.enum(RESOURCE_TYPES, { error: 'must be "User" or "Group"' });

/** What to retry: one resource, or every failed one (of a type). */
export type RetryTarget = { type: SyncResourceType; id: string } | { type?: SyncResourceType; all: true };

/** `POST /sync/retry`: `{"type", "id"}` or `{"type"?, "all": true}`. */
export const RetryBody = bodyObject(
  {
    type: ResourceType.optional(),
    id: z.string({ error: "must be a resource id" }).min(1, { error: "must be a resource id" }).optional(),
    all: z.literal(true, { error: "must be true" }).optional(),
  },
  { unknownField: "unknown field; the body may hold type, id and all" },
).transform((b, ctx): RetryTarget => {
  const fail = (field: string, message: string) => {
    ctx.addIssue({ code: "custom", path: [field], message, input: b });
    return z.NEVER;
  };
  if (b.all) return b.id === undefined ? { all: true, ...(b.type ? { type: b.type } : {}) } : fail("id", "give an id or all, not both");
  if (b.id === undefined) return fail("id", "is required (or all: true for every failed resource)");
  if (b.type === undefined) return fail("type", 'is required with an id: "User" or "Group"');
  return { type: b.type, id: b.id };
});

/** `POST /sync/resync`: no body, `{}` or `{"type"}`. */
export const ResyncBody = z.preprocess(
  (v) => v ?? {},
  bodyObject({ type: ResourceType.optional() }, { unknownField: "unknown field; the body may hold only type" }),
);

/** `GET /sync/users?state=` (paging apart); an array (`?state=a&state=b`) is refused like any bad value. */
export const SyncListQuery = z.object({
  state: z.enum(SYNC_STATES, { error: "must be failed, pending or synced" }).optional(),
});

interface Ref {
  type: SyncResourceType;
  id: string;
}

const typesOf = (type: SyncResourceType | undefined): readonly SyncResourceType[] => (type ? [type] : RESOURCE_TYPES);
const BATCH = 200;

/** Redis must answer before anything changes: an operation refused for want of Redis changes nothing. */
async function queuesReady(ctx: SyncOperationContext): Promise<void> {
  const bounded = ctx.bounded ?? ((work) => work());
  await bounded(() => Promise.all([ctx.queues.user.waitUntilReady(), ctx.queues.group.waitUntilReady()]));
}

/** Queues the resources, a batch at a time (each batch within the Redis deadline). */
async function enqueueAll(ctx: SyncOperationContext, refs: readonly Ref[]): Promise<void> {
  const bounded = ctx.bounded ?? ((work) => work());
  for (let i = 0; i < refs.length; i += BATCH) {
    const batch = refs.slice(i, i + BATCH);
    await bounded(() => Promise.all(batch.map((r) => enqueueSync(ctx.queues, r.type, r.id))));
  }
}

async function known(db: Queryable, type: SyncResourceType, id: string): Promise<boolean> {
  const [r] = await db.query<{ known: boolean }>(
    `select exists(select 1 from ${RESOURCE_TABLES[type]} where id = $2) or exists(select 1 from sync_state where resource_type = $1 and resource_id = $2) as known`,
    [type, id],
  );
  return !!r?.known;
}

/**
 * Sets resources back to pending and queues them: one resource (any state; 404 when the bridge knows
 * nothing of it), or every one that failed for good, deletions included.
 */
export async function retrySync(ctx: SyncOperationContext, target: RetryTarget): Promise<{ retried: number }> {
  if (!("all" in target) && !(await known(ctx.store, target.type, target.id)))
    throw DomainError.notFound(target.type === "User" ? "user" : "group", target.id);
  await queuesReady(ctx);
  const refs = await ctx.store.transaction(async (tx) => {
    const refs: Ref[] =
      "all" in target
        ? await tx.query<Ref>(
            "select resource_type as type, resource_id as id from sync_state where state = 'failed' and resource_type = any($1::text[]) order by 1, 2",
            [typesOf(target.type)],
          )
        : [{ type: target.type, id: target.id }];
    await markPendingMany(
      tx,
      refs.map((r) => ({ ...r, since: ctx.now })),
    );
    await recordAudit(tx, ctx.now, {
      actor: ctx.actor,
      action: "sync.retry",
      targetType: "sync",
      targetId: "all" in target ? `${target.type ?? "*"}:*` : `${target.type}:${target.id}`,
      after: { retried: refs.length },
    });
    return refs;
  });
  await enqueueAll(ctx, refs);
  return { retried: refs.length };
}

/**
 * A full resync: every resource (of a type) pending, with what the last run left on the target
 * forgotten (`applied`), so that each run reads the target and asserts the desired state again;
 * deletions not yet applied are queued again too.
 */
export async function resyncAll(ctx: SyncOperationContext, type?: SyncResourceType): Promise<{ resynced: number }> {
  await queuesReady(ctx);
  const refs = await ctx.store.transaction(async (tx) => {
    const refs: Ref[] = [];
    for (const t of typesOf(type)) {
      const live = await tx.query<{ id: string }>(
        `insert into sync_state(resource_type, resource_id, state, pending_since)
         select $1, id, 'pending', $2 from ${RESOURCE_TABLES[t]}
         on conflict (resource_type, resource_id) do update set state = 'pending', applied = null,
           pending_since = coalesce(sync_state.pending_since, excluded.pending_since)
         returning resource_id as id`,
        [t, ctx.now],
      );
      const deletions = await tx.query<{ id: string }>(
        `update sync_state s set state = 'pending', applied = null, pending_since = coalesce(s.pending_since, $2)
          where s.resource_type = $1 and not s.deleted and s.target_id is not null
            and not exists (select 1 from ${RESOURCE_TABLES[t]} r where r.id = s.resource_id)
         returning s.resource_id as id`,
        [t, ctx.now],
      );
      for (const r of [...live, ...deletions]) refs.push({ type: t, id: r.id });
    }
    await recordAudit(tx, ctx.now, {
      actor: ctx.actor,
      action: "sync.resync",
      targetType: "sync",
      targetId: `${type ?? "*"}:*`,
      after: { resynced: refs.length },
    });
    return refs;
  });
  await enqueueAll(ctx, refs);
  return { resynced: refs.length };
}

/**
 * `sync verify --fix`: the drifted resources pending again with what the last run left forgotten
 * (`applied`), so that their runs read Genesys and send what differs.
 */
export async function reassertSync(
  ctx: SyncOperationContext,
  refs: Array<{ type: SyncResourceType; id: string }>,
): Promise<{ reasserted: number }> {
  if (refs.length === 0) return { reasserted: 0 };
  await queuesReady(ctx);
  await ctx.store.transaction(async (tx) => {
    await markPendingMany(
      tx,
      refs.map((r) => ({ ...r, since: ctx.now })),
    );
    await tx.query(
      `update sync_state set applied = null
        where (resource_type, resource_id) in (select * from unnest($1::text[], $2::text[]))`,
      [refs.map((r) => r.type), refs.map((r) => r.id)],
    );
    await recordAudit(tx, ctx.now, {
      actor: ctx.actor,
      action: "sync.verify.fix",
      targetType: "sync",
      targetId: "*:*",
      after: { reasserted: refs.length },
    });
  });
  await enqueueAll(ctx, refs);
  return { reasserted: refs.length };
}
