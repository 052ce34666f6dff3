import { DomainError } from "../errors/domain-error.js";

/** An operator's input the CLI itself refuses (a flag combination, an unknown name): one line, exit 1. */
export function usageError(message: string): DomainError {
  return new DomainError("validation", message);
}

/** A repeatable option's values, in order. */
export const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

/** A whole number of the option's. */
export function wholeNumber(v: string): number {
  if (!/^\d+$/.test(v)) throw usageError(`not a whole number: ${v}`);
  return Number(v);
}
