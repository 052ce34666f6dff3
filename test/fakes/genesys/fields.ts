import { FakeGenesysError, badRequest } from "./errors.js";

/** Field checks shared by the org model: body shapes, addresses (phone numbers in E.164), employer info, versions. */

export interface FakeAddress {
  /** Absent on a PHONE entry that carries only an internal extension. */
  address?: string;
  mediaType: "PHONE" | "EMAIL" | "SMS";
  type: string;
  /** Kept apart from the number, never folded into `address`. */
  extension?: string;
}

export interface FakeEmployerInfo {
  officialName?: string;
  employeeId?: string;
  employeeType?: string;
  dateHire?: string;
}

/** How a stale or missing `version` is answered ([guess] beyond "409 ... does not match the current version"). */
export interface VersionConflictStyle {
  status: number;
  code: string;
  message: (given: number, current: number, entity: string) => string;
}

export const defaultVersionConflict: VersionConflictStyle = {
  status: 409,
  // general.conflict is the code documented for a 409; the code of a version conflict itself is not
  // documented (Genesys's Terraform provider, genesyscloud/util/util_retries.go IsVersionMismatch: "Version mismatch from
  // directory may be a 409 or 400"; docs/genesys-platform-api.md, "Users").
  code: "general.conflict",
  message: (given, current, entity) => `The version ${given} supplied for the ${entity} does not match the current version ${current}.`,
};

const ADDRESS_MEDIA = ["PHONE", "EMAIL", "SMS"];
const ADDRESS_TYPES = ["PRIMARY", "WORK", "WORK2", "WORK3", "WORK4", "HOME", "MOBILE", "MAIN", "OTHER"];

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
export const lower = (s: string): string => s.toLowerCase();
export const clone = <T>(v: T): T => structuredClone(v);

export function bodyObject(body: unknown): Record<string, unknown> {
  if (!isObject(body)) throw badRequest("The request body must be a JSON object.");
  return body;
}

export function optionalString(body: Record<string, unknown>, field: string): string | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw badRequest(`The field ${field} must be a string.`, field);
  return v;
}

export function requiredString(body: Record<string, unknown>, field: string): string {
  const v = optionalString(body, field);
  if (v === undefined || v.trim() === "") throw badRequest(`The field ${field} is required.`, field);
  return v;
}

export function checkEmail(email: string): string {
  if (!/^[^@\s]+@[^@\s]+$/.test(email)) throw badRequest(`The email ${email} is not a valid email address.`, "email");
  return email;
}

/**
 * A PHONE address as stored: spaces, dashes, dots and parentheses dropped, the leading + kept, then it
 * must be E.164 (+, a country code not starting with 0, 7 to 15 digits in all). Genesys's provider
 * validates "Phone number must be in an E.164 number format" before sending; that the API itself
 * normalises such input, and refuses a number without + with 400, is [guess] (docs/genesys-platform-api.md, "Users": no source says).
 */
export function e164(raw: string, field: string): string {
  const stripped = raw.trim().replace(/[\s\-.()]/g, "");
  if (/^\+[1-9]\d{6,14}$/.test(stripped)) return stripped;
  const why = stripped.startsWith("+") ? "is not a plausible E.164 number" : "has no leading + and country code (E.164 required)";
  throw badRequest(`The phone number ${JSON.stringify(raw)} ${why}.`, field);
}

export function checkAddresses(v: unknown): FakeAddress[] {
  if (!Array.isArray(v)) throw badRequest("The field addresses must be an array.", "addresses");
  return v.map((a, i) => {
    const field = `addresses[${i}]`;
    if (!isObject(a) || !ADDRESS_MEDIA.includes(a.mediaType as string) || !ADDRESS_TYPES.includes(a.type as string)) {
      throw badRequest(`${field} must have a mediaType of ${ADDRESS_MEDIA.join("|")} and a type of ${ADDRESS_TYPES.join("|")}.`, field);
    }
    const mediaType = a.mediaType as FakeAddress["mediaType"];
    const out: FakeAddress = { mediaType, type: a.type as string };
    if (a.extension !== undefined && a.extension !== null && String(a.extension).trim() !== "") out.extension = String(a.extension).trim();
    const address = a.address;
    if (address !== undefined && address !== null && typeof address !== "string")
      throw badRequest(`${field}.address must be a string.`, `${field}.address`);
    if (typeof address === "string" && address.trim() !== "") {
      out.address = mediaType === "PHONE" ? e164(address, `${field}.address`) : address;
    } else if (!(mediaType === "PHONE" && out.extension !== undefined)) {
      // Contact.extension: "Use internal extension instead of address": only a PHONE may go without an address
      throw badRequest(`${field} needs an address${mediaType === "PHONE" ? " or an extension" : ""}.`, `${field}.address`);
    }
    return out;
  });
}

export function checkEmployerInfo(v: unknown): FakeEmployerInfo | undefined {
  if (v === null) return undefined;
  if (!isObject(v)) throw badRequest("The field employerInfo must be an object.", "employerInfo");
  const out: FakeEmployerInfo = {};
  for (const k of ["officialName", "employeeId", "employeeType", "dateHire"] as const) {
    const x = v[k];
    if (x === undefined || x === null) continue;
    if (typeof x !== "string") throw badRequest(`The field employerInfo.${k} must be a string.`, `employerInfo.${k}`);
    out[k] = x;
  }
  if (out.dateHire !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(out.dateHire))
    throw badRequest("employerInfo.dateHire must be an ISO-8601 date (yyyy-MM-dd).", "employerInfo.dateHire");
  return out;
}

/** `version` required, an integer, and the current one [doc]. */
export function checkVersion(style: VersionConflictStyle, given: unknown, current: number, entity: string): void {
  if (given === undefined || given === null) throw badRequest(`The field version is required to update the ${entity}.`, "version");
  if (typeof given !== "number" || !Number.isInteger(given)) throw badRequest("The field version must be an integer.", "version");
  if (given !== current)
    throw new FakeGenesysError(style.status, style.message(given, current, entity), style.code, { fieldName: "version" });
}
