import { randomUUID } from "node:crypto";
import { badRequest, conflict, notFound } from "./errors.js";
import { bodyObject, checkVersion, lower, optionalString, requiredString, type VersionConflictStyle } from "./fields.js";
import { LaggingIndex, matches, parseQuery, type SearchFields } from "./search.js";
import type { FakeUserRecord } from "./state.js";

/**
 * The groups of the fake org (docs/genesys-platform-api.md, "Groups"). A group's members are of three
 * kinds: individuals (added and removed through .../members), owners and rule-based (dynamic) members.
 * GET .../members lists all three, GET .../individuals only the first. Owners and dynamic members are
 * made through test hooks only (the bridge cannot reach them): DELETE .../members leaves them as they
 * are and records the attempt in memberRemovalAttempts. Member changes answer at once and land
 * memberApplyDelayMs later on the fake's clock, each bumping the group's version.
 */

export interface FakeGroupRecord {
  id: string;
  name: string;
  description?: string;
  type: "official" | "social";
  visibility: "public" | "owners" | "members";
  rulesVisible: boolean;
  /** Group.state: active | inactive | deleted [doc]; a deleted group still answers GET [doc]. */
  state: "active" | "deleted";
  version: number;
  /** Added through POST .../members: what GET .../individuals lists. */
  individualIds: string[];
  /** Owners (test hook): listed by GET .../members, not removable through DELETE .../members. */
  ownerIds: string[];
  /** Rule-based members (test hook): likewise. */
  dynamicIds: string[];
  dateModified: string;
}

/** A DELETE .../members that named an owner or a dynamic member of the group (nothing was removed for that status). */
export interface MemberRemovalAttempt {
  groupId: string;
  userId: string;
  as: Array<"owner" | "dynamic">;
  at: number;
}

export interface GroupOptions {
  now: () => number;
  searchLagMs: number;
  /** Milliseconds between a member call's answer and its effect. 0: applied before answering. */
  memberApplyDelayMs: number;
  versionConflict: VersionConflictStyle;
  /** A user that is not deleted, or undefined. */
  liveUser: (id: string) => FakeUserRecord | undefined;
  /** Told the fake-clock time a queued member change is due (the server wakes up then). */
  onQueued?: (applyAt: number) => void;
}

const SEARCH_FIELDS: SearchFields<FakeGroupRecord> = {
  id: (g) => g.id,
  name: (g) => g.name,
  description: (g) => g.description,
  state: (g) => g.state,
  type: (g) => g.type,
  visibility: (g) => g.visibility,
};

export class FakeGroups {
  readonly records = new Map<string, FakeGroupRecord>();
  /** Every attempt to remove an owner or dynamic member through DELETE .../members, in order. */
  readonly memberRemovalAttempts: MemberRemovalAttempt[] = [];
  private readonly index: LaggingIndex<FakeGroupRecord>;
  private pending: Array<{ applyAt: number; groupId: string; apply: (g: FakeGroupRecord) => void }> = [];
  private waiters: Array<() => void> = [];

  constructor(private readonly opts: GroupOptions) {
    this.index = new LaggingIndex(opts.now, opts.searchLagMs);
  }

  view(g: FakeGroupRecord): Record<string, unknown> {
    const view: Record<string, unknown> = {
      id: g.id,
      name: g.name,
      dateModified: g.dateModified,
      memberCount: this.memberIds(g).length, // [guess]: what GET .../members counts
      state: g.state,
      version: g.version,
      type: g.type,
      rulesVisible: g.rulesVisible,
      visibility: g.visibility,
      selfUri: `/api/v2/groups/${g.id}`,
    };
    if (g.description !== undefined) view.description = g.description;
    if (g.ownerIds.length) view.owners = g.ownerIds.map((id) => ({ id, selfUri: `/api/v2/users/${id}` }));
    return view;
  }

  /** GET /api/v2/groups/{id}: deleted groups too (state "deleted"); 404 only for an unknown id. */
  get(id: string): FakeGroupRecord {
    const g = this.records.get(id);
    if (!g) throw notFound("group", id);
    return g;
  }

  /** A group member calls may change: 404 once deleted [guess: 404 rather than 400]. */
  private live(id: string): FakeGroupRecord {
    const g = this.get(id);
    if (g.state === "deleted") throw notFound("group", id);
    return g;
  }

  /** GET /api/v2/groups: deleted groups are no longer listed. */
  list(): FakeGroupRecord[] {
    return [...this.records.values()].filter((g) => g.state !== "deleted");
  }

  /** POST /api/v2/groups: name, type, rulesVisible and visibility required [doc]; names unique among live groups [guess: 409]. */
  create(body: unknown): FakeGroupRecord {
    const b = bodyObject(body);
    const name = requiredString(b, "name");
    if (b.type !== "official" && b.type !== "social") throw badRequest("The field type is required: official or social.", "type");
    if (typeof b.rulesVisible !== "boolean") throw badRequest("The field rulesVisible is required: true or false.", "rulesVisible");
    if (b.visibility !== "public" && b.visibility !== "owners" && b.visibility !== "members")
      throw badRequest("The field visibility is required: public, owners or members.", "visibility");
    const same = this.list().find((g) => lower(g.name) === lower(name));
    if (same) throw conflict(`A group named ${name} already exists.`, same.id);
    const g: FakeGroupRecord = {
      id: randomUUID(),
      name,
      type: b.type,
      visibility: b.visibility,
      rulesVisible: b.rulesVisible,
      state: "active",
      version: 1,
      individualIds: [],
      ownerIds: [],
      dynamicIds: [],
      dateModified: new Date(this.opts.now()).toISOString(),
    };
    const description = optionalString(b, "description");
    if (description !== undefined) g.description = description;
    this.records.set(g.id, g);
    this.index.put(g.id, g);
    return g;
  }

  /**
   * PUT /api/v2/groups/{id}: the whole group (name, type, visibility, rulesVisible required) with the
   * current `version` [doc: the provider re-reads the version and retries on a mismatch]; a stale
   * version answers the version conflict; names unique among live groups.
   */
  update(id: string, body: unknown): FakeGroupRecord {
    const g = this.live(id);
    const b = bodyObject(body);
    checkVersion(this.opts.versionConflict, b.version, g.version, "group");
    const name = requiredString(b, "name");
    if (b.type !== "official" && b.type !== "social") throw badRequest("The field type is required: official or social.", "type");
    if (typeof b.rulesVisible !== "boolean") throw badRequest("The field rulesVisible is required: true or false.", "rulesVisible");
    if (b.visibility !== "public" && b.visibility !== "owners" && b.visibility !== "members")
      throw badRequest("The field visibility is required: public, owners or members.", "visibility");
    const same = this.list().find((o) => o.id !== id && lower(o.name) === lower(name));
    if (same) throw conflict(`A group named ${name} already exists.`, same.id);
    Object.assign(g, { name, type: b.type, visibility: b.visibility, rulesVisible: b.rulesVisible });
    const description = optionalString(b, "description");
    if (description !== undefined) g.description = description;
    this.touch(g);
    return g;
  }

  /** DELETE /api/v2/groups/{id}: the group stays, state "deleted", without members; queued member changes are dropped. */
  delete(id: string): void {
    const g = this.live(id);
    g.state = "deleted";
    g.individualIds = [];
    g.ownerIds = [];
    g.dynamicIds = [];
    this.pending = this.pending.filter((p) => p.groupId !== id);
    this.touch(g);
    this.notifyIfSettled();
  }

  /** POST /api/v2/groups/search: what the lagging index has seen; deleted groups left out once it has seen the delete. */
  search(body: unknown): FakeGroupRecord[] {
    const criteria = parseQuery(body, SEARCH_FIELDS);
    return this.index.visible().filter((g) => g.state !== "deleted" && matches(g, criteria, SEARCH_FIELDS));
  }

  private touch(g: FakeGroupRecord): void {
    g.version += 1;
    g.dateModified = new Date(this.opts.now()).toISOString();
    this.index.put(g.id, g);
  }

  private idList(ids: unknown, field: string, max: number): string[] {
    if (!Array.isArray(ids) || ids.length === 0 || ids.some((x) => typeof x !== "string" || x === ""))
      throw badRequest(`The field ${field} must be a non-empty list of user ids.`, field);
    if (ids.length > max) throw badRequest(`At most ${max} ${field} can be given in one request; got ${ids.length}.`, field);
    return ids as string[];
  }

  /** Runs `apply` now (delay 0) or queues it for memberApplyDelayMs later. */
  private schedule(groupId: string, apply: (g: FakeGroupRecord) => void): void {
    if (this.opts.memberApplyDelayMs <= 0) {
      apply(this.get(groupId));
      return;
    }
    const applyAt = this.opts.now() + this.opts.memberApplyDelayMs;
    this.pending.push({ applyAt, groupId, apply });
    this.opts.onQueued?.(applyAt);
  }

  /** POST /api/v2/groups/{id}/members {memberIds (≤ 50), version} [doc]: checked now, applied later. */
  addMembers(id: string, body: unknown, max: number): void {
    const g = this.live(id);
    const b = bodyObject(body);
    const ids = this.idList(b.memberIds, "memberIds", max);
    checkVersion(this.opts.versionConflict, b.version, g.version, "group");
    for (const uid of ids) if (!this.opts.liveUser(uid)) throw badRequest(`The user ${uid} does not exist.`, "memberIds");
    this.schedule(id, (grp) => {
      grp.individualIds = [...new Set([...grp.individualIds, ...ids.filter((u) => this.opts.liveUser(u))])];
      this.touch(grp);
    });
  }

  /** DELETE /api/v2/groups/{id}/members?ids=a,b (≤ 50, no version) [doc]: removes individuals only, later. */
  removeMembers(id: string, idsParam: string | null, max: number): void {
    const g = this.live(id);
    const ids = this.idList(idsParam ? idsParam.split(",").map((s) => s.trim()) : [], "ids", max);
    for (const userId of ids) {
      const as: MemberRemovalAttempt["as"] = [];
      if (g.ownerIds.includes(userId)) as.push("owner");
      if (g.dynamicIds.includes(userId)) as.push("dynamic");
      if (as.length) this.memberRemovalAttempts.push({ groupId: id, userId, as, at: this.opts.now() });
    }
    this.schedule(id, (grp) => {
      grp.individualIds = grp.individualIds.filter((m) => !ids.includes(m));
      this.touch(grp);
    });
  }

  private memberIds(g: FakeGroupRecord): string[] {
    return [...new Set([...g.individualIds, ...g.ownerIds, ...g.dynamicIds])].filter((m) => this.opts.liveUser(m));
  }

  /** GET .../members: individuals, owners and dynamic members [doc], users not deleted. */
  members(id: string): FakeUserRecord[] {
    return this.memberIds(this.get(id)).map((m) => this.opts.liveUser(m)!);
  }

  /** GET .../individuals: only those added through POST .../members [doc]. */
  individuals(id: string): FakeUserRecord[] {
    return this.get(id)
      .individualIds.map((m) => this.opts.liveUser(m))
      .filter((u): u is FakeUserRecord => u !== undefined);
  }

  /** Test hook: makes a user an owner of the group at once (the version moves on). */
  addOwner(groupId: string, userId: string): void {
    this.hook(groupId, userId, "ownerIds");
  }

  /** Test hook: a group rule now includes the user (the version moves on). */
  addDynamicMember(groupId: string, userId: string): void {
    this.hook(groupId, userId, "dynamicIds");
  }

  private hook(groupId: string, userId: string, list: "ownerIds" | "dynamicIds"): void {
    const g = this.live(groupId);
    if (!this.opts.liveUser(userId)) throw new Error(`fake Genesys: no live user ${userId}`);
    if (g[list].includes(userId)) return;
    g[list] = [...g[list], userId];
    this.touch(g);
  }

  /** A deleted user leaves every group. */
  forgetUser(userId: string): void {
    for (const g of this.records.values()) {
      for (const list of ["individualIds", "ownerIds", "dynamicIds"] as const) g[list] = g[list].filter((m) => m !== userId);
    }
  }

  /** Member changes queued and not yet applied. */
  get pendingCount(): number {
    return this.pending.length;
  }

  /** Applies the queued member changes that are due on the fake's clock, in the order they were made. */
  settle(): void {
    const t = this.opts.now();
    while (this.pending.length && this.pending[0]!.applyAt <= t) {
      const p = this.pending.shift()!;
      const g = this.records.get(p.groupId);
      if (g && g.state !== "deleted") p.apply(g);
    }
    this.notifyIfSettled();
  }

  /** Resolves once no member change is queued (they land as the fake's clock passes their time). */
  whenSettled(): Promise<void> {
    this.settle();
    if (!this.pending.length) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private notifyIfSettled(): void {
    if (this.pending.length) return;
    const w = this.waiters;
    this.waiters = [];
    for (const resolve of w) resolve();
  }
}
