import type { ServerHandle } from "./worker.js";

/**
 * One part of docs/benchmarks.md (`BENCH_ONLY=<name>` runs only some). A section runs once per store,
 * each time on a fresh store, keeps its figures, and renders them as markdown under one `##` heading.
 */
export interface Section {
  readonly name: string;
  /** The `##` heading. */
  readonly title: string;
  runOn(store: string, server: ServerHandle): Promise<void>;
  /** Markdown starting with the `##` heading; `stores` says which stores ran and how. */
  render(stores: string): string;
}
