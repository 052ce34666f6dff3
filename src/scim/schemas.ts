import SCIMMY from "scimmy";

/**
 * SCIMMY's schemas as this bridge serves them. SCIMMY's configuration is global to the process, so
 * this runs once, before any router is built (docs/scimmy.md).
 */
export const CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User";
export const CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";
export const ENTERPRISE_USER = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
export const GENESYS_USER = "urn:ietf:params:scim:schemas:extension:genesys:purecloud:2.0:User";

/** Genesys Cloud's phone types (its SCIM `phoneNumbers[].type`), beside RFC 7643's own. */
export const PHONE_TYPES = ["work", "work2", "work3", "work4", "home", "mobile", "other", "microsoftteams", "fax", "pager"] as const;

const { Attribute, SchemaDefinition } = SCIMMY.Types;

/**
 * Genesys's proficiency is a double 0..5 that clients send as 4.5 or as 4. SCIMMY's "decimal" refuses a
 * whole number (RFC 7643 §2.3.3 wants a fraction digit), so this attribute checks numbers itself.
 */
class ProficiencyAttribute extends Attribute {
  constructor() {
    super("decimal", "proficiency", { description: "Proficiency, a number 0..5" });
  }

  override coerce(source: unknown): never {
    if (source !== undefined && source !== null && (typeof source !== "number" || !Number.isFinite(source) || source < 0 || source > 5)) {
      throw new TypeError(`Attribute 'proficiency': proficiency must be 0..5 (a number); got ${JSON.stringify(source)}`);
    }
    return source as never;
  }
}
const proficiency = () => new ProficiencyAttribute();

/** `urn:ietf:params:scim:schemas:extension:genesys:purecloud:2.0:User`, after Genesys's SDK model ScimUserExtensions. */
export const genesysUserExtension = new SchemaDefinition("GenesysUser", GENESYS_USER, "Genesys Cloud user extension", [
  new Attribute("complex", "routingSkills", { multiValued: true, description: "Routing skills (at most 50)" }, [
    new Attribute("string", "name", { required: true, description: "Skill name" }),
    proficiency(),
  ]),
  new Attribute("complex", "routingLanguages", { multiValued: true, description: "Routing languages (at most 50)" }, [
    new Attribute("string", "name", { required: true, description: "Language name" }),
    proficiency(),
  ]),
  new Attribute("complex", "externalIds", { multiValued: true, description: "External identifiers" }, [
    new Attribute("string", "authority", { required: true, caseExact: true, description: "The authority that issued the id" }),
    new Attribute("string", "value", { required: true, caseExact: true, description: "The id" }),
  ]),
]);

let configured = false;

export function configureScimSchemas(): void {
  if (configured) return;
  configured = true;
  const user = SCIMMY.Schemas.User.definition;
  // displayName is required on users: Genesys Cloud needs a name for every user.
  user.truncate("displayName").extend([
    new Attribute("string", "displayName", {
      required: true,
      description: "The name of the User, suitable for display to end-users. REQUIRED here: Genesys Cloud needs a name.",
    }),
  ]);
  user
    .truncate("phoneNumbers")
    .extend([
      new Attribute(
        "complex",
        "phoneNumbers",
        { multiValued: true, uniqueness: false, description: "Phone numbers; types as Genesys Cloud takes them" },
        [
          new Attribute("string", "value", { required: true, description: "Phone number" }),
          new Attribute("string", "display", { description: "Human-readable form" }),
          new Attribute("string", "type", { canonicalValues: [...PHONE_TYPES], description: `One of ${PHONE_TYPES.join(", ")}` }),
          new Attribute("boolean", "primary", { description: "Preferred number" }),
        ],
      ),
    ]);
  // SCIMMY gives roles[].type and x509Certificates[].type an empty list of canonical values, which
  // refuses every value; RFC 7643 §4.1.2 defines none for them, so any label is taken.
  for (const [name, valueType, description] of [
    ["roles", "string", "A list of roles for the User that collectively represent who the User is, e.g. 'Student', 'Faculty'."],
    ["x509Certificates", "binary", "A list of certificates issued to the User."],
  ] as const) {
    user.truncate(name).extend([
      new Attribute("complex", name, { multiValued: true, description }, [
        new Attribute(valueType, "value", {
          caseExact: valueType === "binary",
          description: `The value of a ${name === "roles" ? "role" : "certificate"}.`,
        }),
        new Attribute("string", "display", { description: "A human-readable name, primarily used for display purposes." }),
        new Attribute("string", "type", { description: "A label indicating the attribute's function." }),
        new Attribute("boolean", "primary", { description: "Whether this is the preferred value." }),
      ]),
    ]);
  }
  // Genesys's SCIM takes the hire date in the enterprise extension (docs/genesys-platform-api.md,
  // "Mapping from SCIM"); RFC 7643 §4.3 does not define it, so SCIMMY would drop it and refuse a PATCH
  const enterprise = SCIMMY.Schemas.EnterpriseUser.definition;
  if (!enterprise.attributes.some((a) => a.name === "dateHire"))
    enterprise.extend([
      new Attribute("string", "dateHire", {
        description:
          "The date the user was hired: YYYY-MM-DD, or an xsd:dateTime whose date part is kept (Genesys's employerInfo.dateHire).",
      }),
    ]);
  SCIMMY.Resources.declare(
    SCIMMY.Resources.User.extend(SCIMMY.Schemas.EnterpriseUser, false).extend(
      genesysUserExtension as unknown as typeof SCIMMY.Types.Schema,
      false,
    ),
  );
  SCIMMY.Resources.declare(SCIMMY.Resources.Group);
}
