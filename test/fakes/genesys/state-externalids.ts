import { FakeGenesysError, conflict, notFound } from "./errors.js";
import { bodyObject, requiredString } from "./fields.js";

import type { FakeUserRecord } from "./state.js";

/** User external ids (docs/genesys-platform-api.md, "External ids"): authority and key, both case-sensitive [doc]. */

export interface FakeExternalId {
  authorityName: string;
  externalKey: string;
}

/** External ids one user may have [doc: "Limit 100 per entity"]. */
export const MAX_EXTERNAL_IDS = 100;

export class FakeExternalIds {
  /** userId → external ids, in the order they were added. */
  private readonly byUser = new Map<string, FakeExternalId[]>();

  constructor(private readonly opts: { liveUser: (id: string) => FakeUserRecord | undefined }) {}

  private user(userId: string): FakeUserRecord {
    const u = this.opts.liveUser(userId);
    if (!u) throw notFound("user", userId);
    return u;
  }

  /** GET /api/v2/users/{id}/externalid: a bare array [doc]. */
  list(userId: string): FakeExternalId[] {
    this.user(userId);
    return this.of(userId);
  }

  /** Test hook: the user's external ids (any user, no check). */
  of(userId: string): FakeExternalId[] {
    return (this.byUser.get(userId) ?? []).map((x) => ({ ...x }));
  }

  /** GET /api/v2/users/{id}/externalid/{authorityName}: the user's key under that authority, case-sensitive [doc]. */
  forAuthority(userId: string, authorityName: string): FakeExternalId {
    const found = this.list(userId).find((x) => x.authorityName === authorityName);
    if (!found) throw notFound(`external id of authority ${authorityName} for user`, userId);
    return found;
  }

  /**
   * POST /api/v2/users/{id}/externalid {authorityName, externalKey} [doc]: both case-sensitive [doc];
   * at most 100 per user [doc; guess: 400]; one key per authority per user and one user per pair
   * [guess from the single-valued GETs: 409].
   */
  add(userId: string, body: unknown): FakeExternalId[] {
    this.user(userId);
    const b = bodyObject(body);
    const x: FakeExternalId = { authorityName: requiredString(b, "authorityName"), externalKey: requiredString(b, "externalKey") };
    const list = this.byUser.get(userId) ?? [];
    const holder = this.holderOf(x.authorityName, x.externalKey);
    if (holder !== undefined)
      throw conflict(
        holder === userId
          ? `The user already has the external id ${x.authorityName}/${x.externalKey}.`
          : `The external id ${x.authorityName}/${x.externalKey} belongs to another user.`,
        holder,
      );
    const same = list.find((y) => y.authorityName === x.authorityName);
    if (same) throw conflict(`The user already has an external id of authority ${x.authorityName}: ${same.externalKey}.`, userId);
    if (list.length >= MAX_EXTERNAL_IDS)
      throw new FakeGenesysError(400, `A user can have at most ${MAX_EXTERNAL_IDS} external ids.`, "bad.request", { entityId: userId });
    this.byUser.set(userId, [...list, x]);
    return this.list(userId);
  }

  /** DELETE /api/v2/users/{id}/externalid/{authorityName}/{externalKey}: 404 for a pair the user lacks [guess]. */
  remove(userId: string, authorityName: string, externalKey: string): void {
    this.user(userId);
    const list = this.byUser.get(userId) ?? [];
    const rest = list.filter((x) => !(x.authorityName === authorityName && x.externalKey === externalKey));
    if (rest.length === list.length) throw notFound(`external id ${authorityName}/${externalKey} of user`, userId);
    this.byUser.set(userId, rest);
  }

  /** Any user, deleted ones too (their ids stay reserved [guess]). */
  private holderOf(authorityName: string, externalKey: string): string | undefined {
    for (const [userId, list] of this.byUser)
      if (list.some((x) => x.authorityName === authorityName && x.externalKey === externalKey)) return userId;
    return undefined;
  }

  /** GET /api/v2/users/externalid/{authorityName}/{externalKey}: the live user holding the pair [doc], else 404. */
  userOf(authorityName: string, externalKey: string): FakeUserRecord {
    const id = this.holderOf(authorityName, externalKey);
    const u = id === undefined ? undefined : this.opts.liveUser(id);
    if (!u) throw notFound(`user with external id ${authorityName}/${externalKey}`);
    return u;
  }
}
