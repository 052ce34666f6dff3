import { randomUUID } from "node:crypto";
import type { NextFunction, Request, RequestHandler, Response } from "express";
import type { Logger } from "../log/logger.js";
import type { Metrics } from "./metrics.js";

declare module "express-serve-static-core" {
  interface Request {
    /** This request's logger: every line carries the request id. */
    log: Logger;
    /** The request id (the client's `X-Request-Id` when well-formed, else a new UUID). */
    id: string;
  }
}

/** Query parameters whose values are credentials (RFC 6750 §2.3, RFC 6749 §2.3.1, §4.1.2, RFC 7009). */
const SECRET_PARAMS = new Set(["access_token", "client_secret", "token", "code", "refresh_token", "password", "assertion"]);

/**
 * The request target as it may be logged: the values of credential parameters blanked, and the whole
 * query dropped when it cannot be parsed (a credential could hide in what we cannot read).
 */
export function loggableUrl(url: string): string {
  const q = url.indexOf("?");
  if (q < 0) return url;
  const path = url.slice(0, q);
  const parts = url.slice(q + 1).split("&");
  try {
    const kept = parts.map((part) => {
      const eq = part.indexOf("=");
      const rawName = eq < 0 ? part : part.slice(0, eq);
      const name = decodeURIComponent(rawName.replace(/\+/g, " ")).toLowerCase();
      return SECRET_PARAMS.has(name) ? `${rawName}=[redacted]` : part;
    });
    return `${path}?${kept.join("&")}`;
  } catch {
    return `${path}?[unparseable query omitted]`;
  }
}

/**
 * Runs `fn` from an event listener: whatever it throws is reported to `onError` and goes no
 * further, since an exception thrown out of a 'finish' listener would end the process.
 */
export function guardListener(fn: () => void, onError: (err: unknown) => void): () => void {
  return () => {
    try {
      fn();
    } catch (err) {
      try {
        onError(err);
      } catch {
        // nothing is left to report with
      }
    }
  };
}

/**
 * One log line per request when its response is finished, and `req.log` for handlers. Headers are
 * never logged (Authorization, cookies); credential query parameters are blanked.
 */
export function requestLog(logger: Logger): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const given = req.headers["x-request-id"];
    const id = typeof given === "string" && /^[\w.-]{1,128}$/.test(given) ? given : randomUUID();
    req.id = id;
    res.setHeader("X-Request-Id", id);
    // the request's child logger is made when a handler first logs, not for every request
    let child: Logger | undefined;
    Object.defineProperty(req, "log", {
      configurable: true,
      enumerable: true,
      get: () => (child ??= logger.child({ reqId: id })),
      set: (v: Logger) => (child = v),
    });
    const started = process.hrtime.bigint();
    res.on(
      "finish",
      guardListener(
        () => {
          const status = res.statusCode;
          if (!logger.isLevelEnabled(status >= 500 ? "error" : "info")) return;
          const ms = Number(process.hrtime.bigint() - started) / 1e6;
          const line = {
            category: "http",
            req: { id, method: req.method, url: loggableUrl(req.originalUrl) },
            res: { statusCode: status },
            responseTime: Math.round(ms * 10) / 10,
          };
          if (status >= 500) req.log.error(line, "request errored");
          else req.log.info(line, "request completed");
        },
        (err) => logger.error({ category: "http", err: String(err) }, "request log failed"),
      ),
    );
    next();
  };
}

/** Request durations, labelled by the route template that answered (never the raw path: fixed cardinality). */
export function requestTiming(metrics: Metrics, logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on(
      "finish",
      guardListener(
        () => {
          const route = (req.route as { path?: unknown } | undefined)?.path;
          // Routing is case-insensitive: the mount path is lower-cased so that `/SCIM/v2` adds no series.
          const template = typeof route === "string" ? `${req.baseUrl.toLowerCase()}${route}` : "unmatched";
          metrics.httpDuration.observe(
            { method: req.method, route: template, status: String(res.statusCode) },
            Number(process.hrtime.bigint() - started) / 1e9,
          );
        },
        (err) => logger.error({ category: "http", err: String(err) }, "request metrics failed"),
      ),
    );
    next();
  };
}
