import { describe, expect, it } from "@jest/globals";
import {
  ROUTING_KINDS,
  externalIdStep,
  planUser,
  roleStep,
  routingStep,
  type DesiredUser,
  type HeldExtras,
  type HeldRole,
  type NamedProficiency,
  type UserStep,
} from "../../src/sync/user-plan.js";
import type { UserFields } from "../../src/sync/genesys-mapping.js";
import type { CreateUserBody, GenesysAddress, GenesysExternalId, GenesysProficiency, GenesysUser } from "../../src/genesys/api-types.js";
import type { RoutingKind } from "../../src/genesys/requests.js";

const WORK_PHONE: GenesysAddress = { address: "+15550100", mediaType: "PHONE", type: "WORK" };
const MOBILE_PHONE: GenesysAddress = { address: "+15550102", mediaType: "PHONE", type: "MOBILE" };
const EMPLOYER = { employeeId: "42", dateHire: "2024-03-01" };

/** What SCIM wants for Ann: every field set, including the manager and employer info a create cannot carry. */
const FIELDS: UserFields = {
  name: "Ann Smith",
  email: "ann@example.com",
  title: "Agent",
  department: "Care",
  manager: "g-mgr",
  addresses: [WORK_PHONE],
  employerInfo: EMPLOYER,
};

const CREATE: CreateUserBody = {
  name: "Ann Smith",
  email: "ann@example.com",
  divisionId: "div-1",
  state: "active",
  title: "Agent",
  department: "Care",
  addresses: [WORK_PHONE],
};

/** Ann as Genesys holds her when nothing differs from FIELDS. */
const genesys = (over: Partial<GenesysUser> = {}): GenesysUser => ({
  id: "u1",
  version: 3,
  state: "active",
  name: "Ann Smith",
  email: "ann@example.com",
  division: { id: "div-1" },
  title: "Agent",
  department: "Care",
  manager: { id: "g-mgr" },
  addresses: [WORK_PHONE],
  employerInfo: EMPLOYER,
  ...over,
});

const desired = (over: Partial<DesiredUser> = {}): DesiredUser => ({
  create: CREATE,
  fields: FIELDS,
  state: "active",
  divisionId: "div-1",
  routing: {},
  externalIds: [],
  ...over,
});

const fieldsWith = (over: Partial<UserFields>): UserFields => ({ ...FIELDS, ...over });
/** FIELDS without the manager: the manager is not yet in Genesys (undefined), so it is left as it is. */
const { manager: _manager, ...AWAITING_MANAGER } = FIELDS;

const held = (over: Partial<HeldExtras> = {}): HeldExtras => ({ routing: {}, externalIds: [], ...over });

const skill = (name: string, proficiency: number, id = `sk-${name}`): GenesysProficiency => ({ id, name, proficiency });
const lang = (name: string, proficiency: number, id = `lg-${name}`): GenesysProficiency => ({ id, name, proficiency });
const named = (name: string, proficiency: number): NamedProficiency => ({ name, proficiency });
const xid = (authorityName: string, externalKey: string): GenesysExternalId => ({ authorityName, externalKey });

describe("planUser: a user Genesys does not have yet", () => {
  it.each<[string, DesiredUser, HeldExtras, UserStep[]]>([
    [
      "only the create when the create carries everything SCIM asks",
      desired({ fields: fieldsWith({ manager: "", employerInfo: {} }) }),
      held(),
      [{ kind: "create", body: CREATE }],
    ],
    [
      "the manager and employer info, which a create cannot carry, go in a PATCH after it (merged: employerInfo replaces whole)",
      desired(),
      held(),
      [
        { kind: "create", body: CREATE },
        { kind: "patch", fields: { manager: "g-mgr", employerInfo: EMPLOYER }, merge: true },
      ],
    ],
    [
      "a manager alone after the create: not merged",
      desired({ fields: fieldsWith({ employerInfo: {} }) }),
      held(),
      [
        { kind: "create", body: CREATE },
        { kind: "patch", fields: { manager: "g-mgr" }, merge: false },
      ],
    ],
    [
      "a manager not yet in Genesys is left out of the PATCH",
      desired({ fields: AWAITING_MANAGER }),
      held(),
      [
        { kind: "create", body: CREATE },
        { kind: "patch", fields: { employerInfo: EMPLOYER }, merge: true },
      ],
    ],
    [
      "a manager not yet in Genesys and no employer info: only the create",
      desired({ fields: { ...AWAITING_MANAGER, employerInfo: {} } }),
      held(),
      [{ kind: "create", body: CREATE }],
    ],
    [
      "a create without divisionId, with a division wanted: moved after it",
      desired({ create: { ...CREATE, divisionId: undefined }, fields: fieldsWith({ manager: "", employerInfo: {} }) }),
      held(),
      [
        { kind: "create", body: { ...CREATE, divisionId: undefined } },
        { kind: "move", divisionId: "div-1" },
      ],
    ],
    [
      "a create without divisionId, no division wanted: no move",
      desired({
        create: { ...CREATE, divisionId: undefined },
        divisionId: undefined,
        fields: fieldsWith({ manager: "", employerInfo: {} }),
      }),
      held(),
      [{ kind: "create", body: { ...CREATE, divisionId: undefined } }],
    ],
    [
      "a create without state makes an inactive user: an active one gets a state step",
      desired({ create: { ...CREATE, state: undefined }, fields: fieldsWith({ manager: "", employerInfo: {} }) }),
      held(),
      [
        { kind: "create", body: { ...CREATE, state: undefined } },
        { kind: "state", state: "active" },
      ],
    ],
    [
      "a create without state, an inactive user wanted: no state step",
      desired({ create: { ...CREATE, state: undefined }, state: "inactive", fields: fieldsWith({ manager: "", employerInfo: {} }) }),
      held(),
      [{ kind: "create", body: { ...CREATE, state: undefined } }],
    ],
    [
      "a create with state inactive, inactive wanted: no state step",
      desired({ create: { ...CREATE, state: "inactive" }, state: "inactive", fields: fieldsWith({ manager: "", employerInfo: {} }) }),
      held(),
      [{ kind: "create", body: { ...CREATE, state: "inactive" } }],
    ],
    [
      "every wanted skill and language is added, and every external id (what was held before is ignored)",
      desired({
        fields: fieldsWith({ manager: "", employerInfo: {} }),
        routing: { skills: [named("Billing", 3), named("Sales", 4.5)], languages: [named("English", 5)] },
        externalIds: [xid("scim-bridge", "ext-1"), xid("hr", "E42")],
      }),
      held({ routing: { skills: [skill("Billing", 3)], languages: [lang("French", 2)] }, externalIds: [xid("scim-bridge", "old")] }),
      [
        { kind: "create", body: CREATE },
        { kind: "routing", routing: "skills", set: [named("Billing", 3), named("Sales", 4.5)], remove: [] },
        { kind: "routing", routing: "languages", set: [named("English", 5)], remove: [] },
        { kind: "externalIds", add: [xid("scim-bridge", "ext-1"), xid("hr", "E42")], remove: [] },
      ],
    ],
    [
      "skills and languages SCIM does not send: no routing step",
      desired({ fields: fieldsWith({ manager: "", employerInfo: {} }), routing: {} }),
      held(),
      [{ kind: "create", body: CREATE }],
    ],
    [
      "empty skills and languages: nothing to add, nothing to remove",
      desired({ fields: fieldsWith({ manager: "", employerInfo: {} }), routing: { skills: [], languages: [] } }),
      held({ routing: { skills: [skill("Billing", 3)] } }),
      [{ kind: "create", body: CREATE }],
    ],
    [
      "everything, in order: create, patch, move, state, skills, languages, external ids",
      desired({
        create: { ...CREATE, divisionId: undefined, state: undefined },
        routing: { skills: [named("Billing", 1)], languages: [named("English", 2)] },
        externalIds: [xid("scim-bridge", "ext-1")],
      }),
      held(),
      [
        { kind: "create", body: { ...CREATE, divisionId: undefined, state: undefined } },
        { kind: "patch", fields: { manager: "g-mgr", employerInfo: EMPLOYER }, merge: true },
        { kind: "move", divisionId: "div-1" },
        { kind: "state", state: "active" },
        { kind: "routing", routing: "skills", set: [named("Billing", 1)], remove: [] },
        { kind: "routing", routing: "languages", set: [named("English", 2)], remove: [] },
        { kind: "externalIds", add: [xid("scim-bridge", "ext-1")], remove: [] },
      ],
    ],
  ])("%s", (_label, want, extras, expected) => {
    expect(planUser(null, want, extras)).toEqual(expected);
  });

  it("plans the create first, with the body SCIM asks, unchanged", () => {
    const want = desired();
    const [first] = planUser(null, want, held());
    expect(first).toEqual({ kind: "create", body: want.create });
  });
});

describe("planUser: a user Genesys has", () => {
  it.each<[string, GenesysUser, DesiredUser, UserStep[]]>([
    ["nothing differs: no steps", genesys(), desired(), []],
    ["e-mail differs only in case: no steps", genesys({ email: "ANN@Example.com" }), desired(), []],
    [
      "addresses in another order: no steps",
      genesys({ addresses: [MOBILE_PHONE, WORK_PHONE] }),
      desired({ fields: fieldsWith({ addresses: [WORK_PHONE, MOBILE_PHONE] }) }),
      [],
    ],
    [
      "deleted: restored active, and no separate state step",
      genesys({ state: "deleted" }),
      desired(),
      [{ kind: "restore", state: "active" }],
    ],
    [
      "deleted: restored inactive when SCIM wants it inactive",
      genesys({ state: "deleted" }),
      desired({ state: "inactive" }),
      [{ kind: "restore", state: "inactive" }],
    ],
    [
      "deleted with other changes: restore first, then patch and move, never a state step",
      genesys({ state: "deleted", title: "Lead", division: { id: "div-2" } }),
      desired(),
      [
        { kind: "restore", state: "active" },
        { kind: "patch", fields: { title: "Agent" }, merge: false },
        { kind: "move", divisionId: "div-1" },
      ],
    ],
    [
      "only the state differs (inactive → active): one state step",
      genesys({ state: "inactive" }),
      desired(),
      [{ kind: "state", state: "active" }],
    ],
    [
      "only the state differs (active → inactive): one state step",
      genesys(),
      desired({ state: "inactive" }),
      [{ kind: "state", state: "inactive" }],
    ],
    [
      "title differs: patch, not merged",
      genesys({ title: "Lead" }),
      desired(),
      [{ kind: "patch", fields: { title: "Agent" }, merge: false }],
    ],
    [
      "name differs: patch, not merged",
      genesys({ name: "Ann Jones" }),
      desired(),
      [{ kind: "patch", fields: { name: "Ann Smith" }, merge: false }],
    ],
    [
      "e-mail differs: patch, not merged",
      genesys({ email: "old@example.com" }),
      desired(),
      [{ kind: "patch", fields: { email: "ann@example.com" }, merge: false }],
    ],
    [
      "department differs: patch, not merged",
      genesys({ department: "Sales" }),
      desired(),
      [{ kind: "patch", fields: { department: "Care" }, merge: false }],
    ],
    [
      "manager differs: patch, not merged",
      genesys({ manager: { id: "g-old" } }),
      desired(),
      [{ kind: "patch", fields: { manager: "g-mgr" }, merge: false }],
    ],
    [
      "manager no longer wanted: cleared with an empty string",
      genesys(),
      desired({ fields: fieldsWith({ manager: "" }) }),
      [{ kind: "patch", fields: { manager: "" }, merge: false }],
    ],
    [
      "manager not yet in Genesys (undefined): left as it is",
      genesys({ manager: { id: "g-old" } }),
      desired({ fields: AWAITING_MANAGER }),
      [],
    ],
    [
      "manager not yet in Genesys, title differs: the patch has no manager",
      genesys({ manager: { id: "g-old" }, title: "Lead" }),
      desired({ fields: AWAITING_MANAGER }),
      [{ kind: "patch", fields: { title: "Agent" }, merge: false }],
    ],
    [
      "addresses differ: patch, merged",
      genesys({ addresses: [MOBILE_PHONE] }),
      desired(),
      [{ kind: "patch", fields: { addresses: [WORK_PHONE] }, merge: true }],
    ],
    [
      "addresses all removed: patch with [], merged",
      genesys(),
      desired({ fields: fieldsWith({ addresses: [] }) }),
      [{ kind: "patch", fields: { addresses: [] }, merge: true }],
    ],
    [
      "employerInfo differs: patch, merged",
      genesys({ employerInfo: { employeeId: "41", dateHire: "2024-03-01" } }),
      desired(),
      [{ kind: "patch", fields: { employerInfo: EMPLOYER }, merge: true }],
    ],
    [
      "a plain field and addresses: one patch with both, merged",
      genesys({ title: "Lead", addresses: [] }),
      desired(),
      [{ kind: "patch", fields: { title: "Agent", addresses: [WORK_PHONE] }, merge: true }],
    ],
    ["division differs: move", genesys({ division: { id: "div-2" } }), desired(), [{ kind: "move", divisionId: "div-1" }]],
    [
      "no division known on the user, one wanted: move",
      genesys({ division: undefined }),
      desired(),
      [{ kind: "move", divisionId: "div-1" }],
    ],
    [
      "divisionId undefined: no move, whatever the user's division",
      genesys({ division: { id: "div-2" } }),
      desired({ divisionId: undefined }),
      [],
    ],
    [
      "patch, move and state, in that order",
      genesys({ state: "inactive", division: { id: "div-2" }, title: "Lead" }),
      desired(),
      [
        { kind: "patch", fields: { title: "Agent" }, merge: false },
        { kind: "move", divisionId: "div-1" },
        { kind: "state", state: "active" },
      ],
    ],
  ])("%s", (_label, current, want, expected) => {
    expect(planUser(current, want, held())).toEqual(expected);
  });

  it.each<[string, GenesysUser, DesiredUser, HeldExtras, UserStep[]]>([
    [
      "skills and languages SCIM does not send: left alone, even when held",
      genesys(),
      desired(),
      held({ routing: { skills: [skill("Billing", 3)], languages: [lang("English", 5)] } }),
      [],
    ],
    [
      "empty skills wanted, two held: both removed",
      genesys(),
      desired({ routing: { skills: [] } }),
      held({ routing: { skills: [skill("Billing", 3), skill("Sales", 1)] } }),
      [{ kind: "routing", routing: "skills", set: [], remove: [skill("Billing", 3), skill("Sales", 1)] }],
    ],
    [
      "the held kind missing from held: everything wanted is added",
      genesys(),
      desired({ routing: { languages: [named("English", 4)] } }),
      held(),
      [{ kind: "routing", routing: "languages", set: [named("English", 4)], remove: [] }],
    ],
    [
      "skills and languages as held: no steps",
      genesys(),
      desired({ routing: { skills: [named("Billing", 3)], languages: [named("English", 5)] } }),
      held({ routing: { skills: [skill("Billing", 3)], languages: [lang("English", 5)] } }),
      [],
    ],
    [
      "external ids as added before: no steps",
      genesys(),
      desired({ externalIds: [xid("scim-bridge", "ext-1")] }),
      held({ externalIds: [xid("scim-bridge", "ext-1")] }),
      [],
    ],
    [
      "external ids the bridge added, no longer given: removed",
      genesys(),
      desired({ externalIds: [] }),
      held({ externalIds: [xid("scim-bridge", "ext-1")] }),
      [{ kind: "externalIds", add: [], remove: [xid("scim-bridge", "ext-1")] }],
    ],
    [
      "everything, in order: restore, patch, move, skills, languages, external ids",
      genesys({ state: "deleted" }),
      desired({
        fields: fieldsWith({ title: "Lead" }),
        divisionId: "div-9",
        routing: { skills: [named("Billing", 4)], languages: [named("English", 5)] },
        externalIds: [xid("scim-bridge", "ext-2")],
      }),
      held({ routing: { skills: [skill("Billing", 3)], languages: [lang("German", 2)] }, externalIds: [xid("scim-bridge", "ext-1")] }),
      [
        { kind: "restore", state: "active" },
        { kind: "patch", fields: { title: "Lead" }, merge: false },
        { kind: "move", divisionId: "div-9" },
        { kind: "routing", routing: "skills", set: [named("Billing", 4)], remove: [] },
        { kind: "routing", routing: "languages", set: [named("English", 5)], remove: [lang("German", 2)] },
        { kind: "externalIds", add: [xid("scim-bridge", "ext-2")], remove: [xid("scim-bridge", "ext-1")] },
      ],
    ],
  ])("%s", (_label, current, want, extras, expected) => {
    expect(planUser(current, want, extras)).toEqual(expected);
  });

  it("puts the state step between move and routing", () => {
    const steps = planUser(
      genesys({ state: "inactive", division: { id: "div-2" } }),
      desired({ routing: { skills: [named("Billing", 1)] }, externalIds: [xid("hr", "E1")] }),
      held(),
    );
    expect(steps.map((s) => s.kind)).toEqual(["move", "state", "routing", "externalIds"]);
  });

  it("does not change its inputs", () => {
    const current = genesys({ title: "Lead" });
    const want = desired({ routing: { skills: [named("Billing", 1)] }, externalIds: [xid("hr", "E1")] });
    const extras = held({ routing: { skills: [skill("Sales", 2)] }, externalIds: [xid("hr", "E0")] });
    const copies = [structuredClone(current), structuredClone(want), structuredClone(extras)];
    planUser(current, want, extras);
    planUser(null, want, extras);
    expect([current, want, extras]).toEqual(copies);
  });
});

describe("routingStep", () => {
  it("plans skills, then languages", () => {
    expect(ROUTING_KINDS).toEqual(["skills", "languages"]);
  });

  it.each<[string, RoutingKind, NamedProficiency[] | undefined, GenesysProficiency[], UserStep | null]>([
    ["skills not sent by SCIM, none held: nothing", "skills", undefined, [], null],
    ["skills not sent by SCIM, some held: left alone", "skills", undefined, [skill("Billing", 3)], null],
    ["languages not sent by SCIM, some held: left alone", "languages", undefined, [lang("English", 5)], null],
    ["empty list, none held: nothing", "skills", [], [], null],
    [
      "empty list, some held: all removed",
      "skills",
      [],
      [skill("Billing", 3), skill("Sales", 1)],
      { kind: "routing", routing: "skills", set: [], remove: [skill("Billing", 3), skill("Sales", 1)] },
    ],
    [
      "same names and proficiencies: nothing",
      "skills",
      [named("Billing", 3), named("Sales", 1)],
      [skill("Sales", 1), skill("Billing", 3)],
      null,
    ],
    ["new skill: set", "skills", [named("Billing", 3)], [], { kind: "routing", routing: "skills", set: [named("Billing", 3)], remove: [] }],
    [
      "proficiency changed: set, not removed",
      "skills",
      [named("Billing", 4)],
      [skill("Billing", 3)],
      { kind: "routing", routing: "skills", set: [named("Billing", 4)], remove: [] },
    ],
    [
      "fractional proficiency changed: set",
      "skills",
      [named("Billing", 3.5)],
      [skill("Billing", 3)],
      { kind: "routing", routing: "skills", set: [named("Billing", 3.5)], remove: [] },
    ],
    [
      "one kept, one added, one removed",
      "skills",
      [named("Billing", 3), named("Sales", 2)],
      [skill("Billing", 3), skill("Support", 5)],
      { kind: "routing", routing: "skills", set: [named("Sales", 2)], remove: [skill("Support", 5)] },
    ],
    [
      "name differing in case is another skill: set the new, remove the old",
      "skills",
      [named("billing", 3)],
      [skill("Billing", 3)],
      { kind: "routing", routing: "skills", set: [named("billing", 3)], remove: [skill("Billing", 3)] },
    ],
    [
      "language name differing in case is another language",
      "languages",
      [named("english", 5)],
      [lang("English", 5)],
      { kind: "routing", routing: "languages", set: [named("english", 5)], remove: [lang("English", 5)] },
    ],
    ["same languages: nothing", "languages", [named("English", 5)], [lang("English", 5)], null],
    [
      "language proficiency changed: set",
      "languages",
      [named("English", 2)],
      [lang("English", 5)],
      { kind: "routing", routing: "languages", set: [named("English", 2)], remove: [] },
    ],
    [
      "empty languages, some held: all removed",
      "languages",
      [],
      [lang("English", 5)],
      { kind: "routing", routing: "languages", set: [], remove: [lang("English", 5)] },
    ],
    ["proficiency 0 wanted, 0 held: nothing", "skills", [named("Billing", 0)], [skill("Billing", 0)], null],
  ])("%s", (_label, kind, want, heldEntries, expected) => {
    expect(routingStep(kind, want, heldEntries)).toEqual(expected);
  });

  it("removes the held entries themselves, ids included, for the executor to delete", () => {
    const entry = skill("Billing", 3, "skill-id-7");
    const step = routingStep("skills", [], [entry]);
    expect(step).toEqual({ kind: "routing", routing: "skills", set: [], remove: [entry] });
    expect(step?.kind === "routing" && step.remove[0]).toBe(entry);
  });
});

describe("externalIdStep", () => {
  it.each<[string, GenesysExternalId[], GenesysExternalId[], UserStep | null]>([
    ["none wanted, none added: nothing", [], [], null],
    ["new id: added", [xid("scim-bridge", "ext-1")], [], { kind: "externalIds", add: [xid("scim-bridge", "ext-1")], remove: [] }],
    [
      "two new ids: both added, in order",
      [xid("scim-bridge", "ext-1"), xid("hr", "E42")],
      [],
      { kind: "externalIds", add: [xid("scim-bridge", "ext-1"), xid("hr", "E42")], remove: [] },
    ],
    [
      "same as added before: nothing",
      [xid("scim-bridge", "ext-1"), xid("hr", "E42")],
      [xid("hr", "E42"), xid("scim-bridge", "ext-1")],
      null,
    ],
    [
      "added before, no longer given: removed",
      [],
      [xid("scim-bridge", "ext-1")],
      { kind: "externalIds", add: [], remove: [xid("scim-bridge", "ext-1")] },
    ],
    [
      "only the ones added before are removed (the rest stay)",
      [xid("hr", "E42")],
      [xid("scim-bridge", "ext-1"), xid("hr", "E42")],
      { kind: "externalIds", add: [], remove: [xid("scim-bridge", "ext-1")] },
    ],
    [
      "key changed under the same authority: old removed, new added",
      [xid("scim-bridge", "ext-2")],
      [xid("scim-bridge", "ext-1")],
      { kind: "externalIds", add: [xid("scim-bridge", "ext-2")], remove: [xid("scim-bridge", "ext-1")] },
    ],
    [
      "same key under another authority is another id",
      [xid("hr", "ext-1")],
      [xid("scim-bridge", "ext-1")],
      { kind: "externalIds", add: [xid("hr", "ext-1")], remove: [xid("scim-bridge", "ext-1")] },
    ],
    [
      "keys differing in case are different ids",
      [xid("hr", "e42")],
      [xid("hr", "E42")],
      { kind: "externalIds", add: [xid("hr", "e42")], remove: [xid("hr", "E42")] },
    ],
  ])("%s", (_label, want, added, expected) => {
    expect(externalIdStep(want, added)).toEqual(expected);
  });
});

describe("roleStep: roles granted by name, only the bridge's own revoked", () => {
  const role = (name: string): HeldRole => ({ roleId: `r-${name}`, name });
  it.each<[string, string[] | undefined, HeldRole[], UserStep | null]>([
    ["roles not managed (GENESYS_GRANTABLE_ROLES empty, or no SCIM roles): nothing", undefined, [role("Agent")], null],
    ["nothing granted yet: every role granted", ["Agent", "Supervisor"], [], { kind: "roles", grant: ["Agent", "Supervisor"], revoke: [] }],
    ["all granted already: nothing", ["Agent"], [role("Agent")], null],
    [
      "a role SCIM no longer gives, granted by the bridge: revoked",
      ["Agent"],
      [role("Agent"), role("Supervisor")],
      { kind: "roles", grant: [], revoke: [role("Supervisor")] },
    ],
    ["SCIM gives none: every role the bridge granted revoked", [], [role("Agent")], { kind: "roles", grant: [], revoke: [role("Agent")] }],
    ["names are case-sensitive", ["agent"], [role("Agent")], { kind: "roles", grant: ["agent"], revoke: [role("Agent")] }],
  ])("%s", (_what, want, granted, step) => {
    expect(roleStep(want, granted)).toEqual(step);
  });

  it("comes last in a plan, and a new user is granted every role", () => {
    const steps = planUser(null, desired({ roles: ["Agent"] }), held());
    expect(steps.at(-1)).toEqual({ kind: "roles", grant: ["Agent"], revoke: [] });
  });
});
