import { randomUUID } from "node:crypto";

/** The error body Genesys Cloud answers on every endpoint (docs/genesys-platform-api.md, "Errors and rate limits"). */
export interface GenesysErrorBody {
  message: string;
  code: string;
  status: number;
  messageWithParams: string;
  messageParams: Record<string, string>;
  contextId: string;
  details: Array<{ errorCode?: string; fieldName?: string; entityId?: string; entityName?: string }>;
  errors: GenesysErrorBody[];
  entityId?: string;
  entityName?: string;
}

/** The documented code for each status (docs/genesys-platform-api.md: codes partly a guess). */
export function codeForStatus(status: number): string {
  switch (status) {
    case 400:
      return "bad.request";
    case 401:
      return "authentication.required";
    case 403:
      return "missing.permissions";
    case 404:
      return "not.found";
    case 408:
      return "request.timeout"; // [guess]: no Genesys source names the code of a 408
    case 409:
      return "general.conflict";
    case 413:
      return "request.entity.too.large";
    case 429:
      return "too.many.requests.retry.after";
    case 500:
      return "internal.server.error";
    case 502:
      return "bad.gateway";
    case 503:
      return "service.unavailable";
    case 504:
      return "gateway.timeout";
    default:
      return status >= 500 ? "internal.server.error" : "bad.request";
  }
}

/** Thrown by the org model and the routes; the server turns it into the documented body. */
export class FakeGenesysError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string = codeForStatus(status),
    readonly extra: {
      entityId?: string;
      entityName?: string;
      fieldName?: string;
      messageParams?: Record<string, string>;
      headers?: Record<string, string>;
    } = {},
  ) {
    super(message);
    this.name = "FakeGenesysError";
  }

  toBody(contextId: string = randomUUID()): GenesysErrorBody {
    const body: GenesysErrorBody = {
      message: this.message,
      code: this.code,
      status: this.status,
      messageWithParams: this.message,
      messageParams: this.extra.messageParams ?? {},
      contextId,
      details:
        this.extra.fieldName || this.extra.entityId
          ? [{ errorCode: this.code, fieldName: this.extra.fieldName, entityId: this.extra.entityId, entityName: this.extra.entityName }]
          : [],
      errors: [],
    };
    if (this.extra.entityId) body.entityId = this.extra.entityId;
    if (this.extra.entityName) body.entityName = this.extra.entityName;
    return body;
  }
}

export const badRequest = (message: string, fieldName?: string): FakeGenesysError =>
  new FakeGenesysError(400, message, "bad.request", { fieldName });
export const notFound = (what: string, id?: string): FakeGenesysError =>
  new FakeGenesysError(404, id ? `The requested ${what} ${id} was not found.` : `The requested ${what} was not found.`, "not.found", {
    entityId: id,
    entityName: what,
  });
export const conflict = (message: string, entityId?: string): FakeGenesysError =>
  new FakeGenesysError(409, message, "general.conflict", { entityId });
