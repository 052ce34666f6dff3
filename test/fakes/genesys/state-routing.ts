import { randomUUID } from "node:crypto";
import { badRequest, notFound } from "./errors.js";
import { bodyObject, isObject, lower, requiredString } from "./fields.js";
import type { FakeUserRecord } from "./state.js";

/**
 * Routing skills and languages: the org's catalogs and each user's assignments, after
 * docs/genesys-platform-api.md, "Routing skills and languages". Pure model, like state.ts: every refusal is a
 * FakeGenesysError with Genesys's status and code.
 */

export type RoutingKind = "skill" | "language";

export interface FakeCatalogEntry {
  id: string;
  name: string;
  state: "active" | "deleted";
  version: number;
  dateModified: string;
}

/** What a test reads back: one assignment of a user. */
export interface FakeUserAssignment {
  id: string;
  name: string;
  proficiency: number;
}

export interface RoutingOptions {
  now: () => number;
  /** A user that exists and is not deleted, or undefined. */
  liveUser: (id: string) => FakeUserRecord | undefined;
}

/** Entries one bulk call may carry [doc: "Max 50 routing languages in request body"; code: the provider's chunks of 50 for skills]. */
export const MAX_BULK_ENTRIES = 50;

interface KindTable {
  catalog: Map<string, FakeCatalogEntry>;
  /** userId → (entry id → proficiency) */
  assigned: Map<string, Map<string, number>>;
  /** The catalog path, also the prefix of skillUri / languageUri. */
  path: string;
  /** The user sub-resource: routingskills | routinglanguages. */
  userPath: string;
  uriField: "skillUri" | "languageUri";
  /** "the backend rounds to the nearest int" for languages [code comment: docs/genesys-platform-api.md, "Routing skills and languages"]. */
  round: boolean;
  label: string;
}

export class FakeRouting {
  private readonly tables: Record<RoutingKind, KindTable> = {
    skill: {
      catalog: new Map(),
      assigned: new Map(),
      path: "/api/v2/routing/skills",
      userPath: "routingskills",
      uriField: "skillUri",
      round: false,
      label: "routing skill",
    },
    language: {
      catalog: new Map(),
      assigned: new Map(),
      path: "/api/v2/routing/languages",
      userPath: "routinglanguages",
      uriField: "languageUri",
      round: true,
      label: "routing language",
    },
  };

  constructor(private readonly opts: RoutingOptions) {}

  // ---- catalogs ----

  /** Test hook: a new active catalog entry. Names need not be unique [guess: Genesys's uniqueness rule is not looked at]. */
  add(kind: RoutingKind, name: string, o: { id?: string } = {}): FakeCatalogEntry {
    const e: FakeCatalogEntry = {
      id: o.id ?? randomUUID(),
      name,
      state: "active",
      version: 1,
      dateModified: new Date(this.opts.now()).toISOString(),
    };
    this.tables[kind].catalog.set(e.id, e);
    return e;
  }

  /** Test hook: the entry is deleted from the catalog; users keep it with state "deleted" [guess]. */
  remove(kind: RoutingKind, id: string): void {
    const e = this.tables[kind].catalog.get(id);
    if (!e) throw new Error(`fake Genesys: no ${this.tables[kind].label} ${id}`);
    e.state = "deleted";
  }

  /**
   * GET /api/v2/routing/skills|languages: live entries by name; `name` keeps those whose name starts
   * with it (skills [doc]: "Filter for results that start with this value"; languages [guess]),
   * case-insensitively [guess], so a caller must still pick the exact name; `id` (repeatable) keeps those ids.
   */
  list(kind: RoutingKind, name: string | null, ids: string[]): FakeCatalogEntry[] {
    return [...this.tables[kind].catalog.values()]
      .filter((e) => e.state === "active")
      .filter((e) => name === null || name === "" || lower(e.name).startsWith(lower(name)))
      .filter((e) => ids.length === 0 || ids.includes(e.id))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  get(kind: RoutingKind, id: string): FakeCatalogEntry {
    const e = this.tables[kind].catalog.get(id);
    if (!e || e.state !== "active") throw notFound(this.tables[kind].label, id);
    return e;
  }

  catalogView(kind: RoutingKind, e: FakeCatalogEntry): Record<string, unknown> {
    const t = this.tables[kind];
    return {
      id: e.id,
      name: e.name,
      dateModified: e.dateModified,
      state: e.state,
      version: String(e.version),
      selfUri: `${t.path}/${e.id}`,
    };
  }

  // ---- a user's skills and languages ----

  private user(userId: string): FakeUserRecord {
    const u = this.opts.liveUser(userId);
    if (!u) throw notFound("user", userId);
    return u;
  }

  private assignedOf(kind: RoutingKind, userId: string): Map<string, number> {
    const t = this.tables[kind];
    let m = t.assigned.get(userId);
    if (!m) t.assigned.set(userId, (m = new Map()));
    return m;
  }

  /** One {id, proficiency} entry, checked: the id an active catalog entry [guess: 400], proficiency a number in 0..5 [doc range; guess: 400]. */
  private entry(kind: RoutingKind, raw: unknown, field: string): { id: string; proficiency: number } {
    const t = this.tables[kind];
    if (!isObject(raw)) throw badRequest(`${field} must be an object {id, proficiency}.`, field);
    const id = requiredString(raw, "id");
    const e = t.catalog.get(id);
    if (!e || e.state !== "active") throw badRequest(`The ${t.label} ${id} does not exist.`, `${field}.id`);
    const p = raw.proficiency;
    if (typeof p !== "number" || !Number.isFinite(p))
      throw badRequest(`${field}.proficiency is required: a number from 0 to 5.`, `${field}.proficiency`);
    if (p < 0 || p > 5) throw badRequest(`${field}.proficiency ${p} is outside 0 to 5.`, `${field}.proficiency`);
    return { id, proficiency: t.round ? Math.round(p) : p };
  }

  /** A bulk body: an array of at most 50 entries [doc/code], each id once [guess: 400 on a repeat]. */
  private bulkBody(kind: RoutingKind, body: unknown): Array<{ id: string; proficiency: number }> {
    if (!Array.isArray(body)) throw badRequest("The request body must be a JSON array of {id, proficiency}.");
    if (body.length > MAX_BULK_ENTRIES)
      throw badRequest(`At most ${MAX_BULK_ENTRIES} ${this.tables[kind].label}s can be given in one request; got ${body.length}.`);
    const entries = body.map((raw, i) => this.entry(kind, raw, `[${i}]`));
    const seen = new Set<string>();
    for (const e of entries) {
      if (seen.has(e.id)) throw badRequest(`The ${this.tables[kind].label} ${e.id} is given twice.`);
      seen.add(e.id);
    }
    return entries;
  }

  /** PATCH .../bulk: adds the entries or updates their proficiency; others stay. */
  patchBulk(kind: RoutingKind, userId: string, body: unknown): void {
    this.user(userId);
    const entries = this.bulkBody(kind, body);
    const m = this.assignedOf(kind, userId);
    for (const e of entries) m.set(e.id, e.proficiency);
  }

  /** PUT .../routingskills/bulk: the user's skills become exactly these (languages have no PUT bulk [doc]). */
  putBulk(kind: RoutingKind, userId: string, body: unknown): void {
    this.user(userId);
    const entries = this.bulkBody(kind, body);
    this.tables[kind].assigned.set(userId, new Map(entries.map((e) => [e.id, e.proficiency])));
  }

  /** POST .../routingskills|routinglanguages: one entry, added or updated [guess: no 409 for one already held]. */
  addOne(kind: RoutingKind, userId: string, body: unknown): string {
    this.user(userId);
    const e = this.entry(kind, bodyObject(body), "body");
    this.assignedOf(kind, userId).set(e.id, e.proficiency);
    return e.id;
  }

  /** PUT .../routingskills/{id} | PATCH .../routinglanguages/{id}: the proficiency of one held entry; 404 if not held [guess]. */
  updateOne(kind: RoutingKind, userId: string, id: string, body: unknown): void {
    this.user(userId);
    const m = this.assignedOf(kind, userId);
    if (!m.has(id)) throw notFound(`${this.tables[kind].label} of user ${userId}`, id);
    const b = bodyObject(body);
    if (b.id !== undefined && b.id !== id)
      throw badRequest(`The body's id ${String(b.id)} is not the ${this.tables[kind].label} ${id} of the path.`, "id");
    const e = this.entry(kind, { ...b, id }, "body");
    m.set(id, e.proficiency);
  }

  /** DELETE .../{id}: 404 when the user does not hold it [guess]. */
  removeOne(kind: RoutingKind, userId: string, id: string): void {
    this.user(userId);
    const m = this.assignedOf(kind, userId);
    if (!m.delete(id)) throw notFound(`${this.tables[kind].label} of user ${userId}`, id);
  }

  /** GET .../routingskills|routinglanguages: the live user's entries (entriesView). */
  userView(kind: RoutingKind, userId: string, sortOrder: string | null): Array<Record<string, unknown>> {
    this.user(userId);
    return this.entriesView(kind, userId, sortOrder);
  }

  /** A user's entries sorted by name, Genesys's UserRoutingSkill / UserRoutingLanguage shape (also User.skills / User.languages). */
  entriesView(kind: RoutingKind, userId: string, sortOrder: string | null = null): Array<Record<string, unknown>> {
    const t = this.tables[kind];
    const order = lower(sortOrder ?? "asc");
    if (!["asc", "ascending", "desc", "descending"].includes(order))
      throw badRequest(`The sortOrder ${sortOrder} is not one of ascending, descending.`, "sortOrder");
    const rows = this.assignments(kind, userId).map((a) => ({
      id: a.id,
      name: a.name,
      proficiency: a.proficiency,
      state: t.catalog.get(a.id)!.state,
      [t.uriField]: `${t.path}/${a.id}`,
      selfUri: `/api/v2/users/${userId}/${t.userPath}/${a.id}`,
    }));
    return order.startsWith("desc") ? rows.reverse() : rows;
  }

  /** Test hook: what the user holds, sorted by name. */
  assignments(kind: RoutingKind, userId: string): FakeUserAssignment[] {
    const t = this.tables[kind];
    return [...(t.assigned.get(userId) ?? new Map<string, number>()).entries()]
      .map(([id, proficiency]) => ({ id, name: t.catalog.get(id)!.name, proficiency }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }
}
