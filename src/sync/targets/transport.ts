import type { GenesysRequest, ResultOf } from "../../genesys/requests.js";
import type { CallContext } from "./target.js";

/**
 * Where built requests go: the genesys transport sends them over HTTP, the dry-run transport records
 * the writes and answers from a stand-in directory. Failures are TargetErrors of the right kind.
 */
export interface Transport {
  readonly name: "genesys" | "dry-run";
  send<R extends GenesysRequest>(ctx: CallContext, req: R): Promise<ResultOf<R>>;
}
