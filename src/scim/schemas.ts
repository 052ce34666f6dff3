import SCIMMY from "scimmy";

/**
 * SCIMMY's schemas as this bridge serves them. SCIMMY's configuration is global to the process, so
 * this runs once, before any router is built (STACK.md).
 */
export const CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User";
export const CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";
export const ENTERPRISE_USER = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
export const GENESYS_USER = "urn:ietf:params:scim:schemas:extension:genesys:purecloud:2.0:User";

/** Genesys Cloud's phone types (its SCIM `phoneNumbers[].type`), beside RFC 7643's own. */
export const PHONE_TYPES = ["work", "work2", "work3", "work4", "home", "mobile", "other", "microsoftteams", "fax", "pager"] as const;

const { Attribute, SchemaDefinition } = SCIMMY.Types;

/** `urn:ietf:params:scim:schemas:extension:genesys:purecloud:2.0:User`, after Genesys's SDK model ScimUserExtensions. */
export const genesysUserExtension = new SchemaDefinition("GenesysUser", GENESYS_USER, "Genesys Cloud user extension", [
  new Attribute("complex", "routingSkills", { multiValued: true, description: "Routing skills (at most 50)" }, [
    new Attribute("string", "name", { required: true, description: "Skill name" }),
    new Attribute("decimal", "proficiency", { description: "Proficiency 0..5" }),
  ]),
  new Attribute("complex", "routingLanguages", { multiValued: true, description: "Routing languages (at most 50)" }, [
    new Attribute("string", "name", { required: true, description: "Language name" }),
    new Attribute("decimal", "proficiency", { description: "Proficiency 0..5" }),
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
  // The rule: displayName is required on users (Genesys needs a name).
  user.truncate("displayName").extend([
    new Attribute("string", "displayName", { required: true, description: "The name of the User, suitable for display to end-users. REQUIRED here: Genesys Cloud needs a name." }),
  ]);
  user.truncate("phoneNumbers").extend([
    new Attribute("complex", "phoneNumbers", { multiValued: true, uniqueness: false, description: "Phone numbers; types as Genesys Cloud takes them" }, [
      new Attribute("string", "value", { required: true, description: "Phone number" }),
      new Attribute("string", "display", { description: "Human-readable form" }),
      new Attribute("string", "type", { canonicalValues: [...PHONE_TYPES], description: `One of ${PHONE_TYPES.join(", ")}` }),
      new Attribute("boolean", "primary", { description: "Preferred number" }),
    ]),
  ]);
  SCIMMY.Resources.declare(SCIMMY.Resources.User.extend(SCIMMY.Schemas.EnterpriseUser, false).extend(genesysUserExtension as unknown as typeof SCIMMY.Types.Schema, false));
  SCIMMY.Resources.declare(SCIMMY.Resources.Group);
}
