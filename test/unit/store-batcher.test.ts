import { describe, expect, it } from "@jest/globals";
import { StoreBatcher, batcherOf } from "../../src/sync/reconcile-deps.js";
import type { Queryable } from "../../src/store/store.js";

/** A statement that answers when told to, recording the items of each call. */
function controlled() {
  const calls: string[][] = [];
  const release: Array<() => void> = [];
  const run = (items: string[]) =>
    new Promise<string[]>((resolve, reject) => {
      calls.push(items);
      release.push(() => (items.includes("bad") ? reject(new Error("statement failed")) : resolve(items.map((i) => `out:${i}`))));
    });
  return { calls, release, run };
}

const turn = () => new Promise((r) => setImmediate(r));

describe("StoreBatcher: the concurrent jobs' statements as one", () => {
  it("runs what is submitted in one turn of the event loop as one statement, answering each its own", async () => {
    const s = controlled();
    const b = new StoreBatcher(s.run, (i: string) => i);
    const answers = Promise.all(["a", "b", "c"].map((i) => b.submit(i)));
    await turn();
    expect(s.calls).toEqual([["a", "b", "c"]]);
    s.release.shift()!();
    expect(await answers).toEqual(["out:a", "out:b", "out:c"]);
  });

  it("gathers what arrives while a statement runs into the next one", async () => {
    const s = controlled();
    const b = new StoreBatcher(s.run, (i: string) => i);
    const first = b.submit("a");
    await turn();
    const later = [b.submit("b"), b.submit("c")];
    await turn();
    expect(s.calls).toEqual([["a"]]);
    s.release.shift()!();
    expect(await first).toBe("out:a");
    await turn();
    expect(s.calls).toEqual([["a"], ["b", "c"]]);
    s.release.shift()!();
    expect(await Promise.all(later)).toEqual(["out:b", "out:c"]);
  });

  it("never puts two items of one key in a statement, nor more than its maximum", async () => {
    const s = controlled();
    const b = new StoreBatcher(s.run, (i: string) => i.split("#")[0]!, 2);
    const all = Promise.all(["x#1", "x#2", "y", "z"].map((i) => b.submit(i)));
    await turn();
    expect(s.calls).toEqual([["x#1", "y"]]);
    s.release.shift()!();
    await turn();
    await turn();
    expect(s.calls).toEqual([
      ["x#1", "y"],
      ["x#2", "z"],
    ]);
    s.release.shift()!();
    expect(await all).toEqual(["out:x#1", "out:x#2", "out:y", "out:z"]);
  });

  it("fails every job of a failed statement, and only those", async () => {
    const s = controlled();
    const b = new StoreBatcher(s.run, (i: string) => i);
    const failed = [b.submit("bad"), b.submit("with-it")].map((p) =>
      p.then(
        () => "ok",
        (e: Error) => e.message,
      ),
    );
    await turn();
    const next = b.submit("fine");
    s.release.shift()!();
    expect(await Promise.all(failed)).toEqual(["statement failed", "statement failed"]);
    await turn();
    s.release.shift()!();
    expect(await next).toBe("out:fine");
  });

  it("keeps one batcher per store and name", () => {
    const a: Queryable = { query: async () => [] };
    const other: Queryable = { query: async () => [] };
    const make = () =>
      new StoreBatcher(
        async (items: string[]) => items,
        (i: string) => i,
      );
    const first = batcherOf(a, "read", make);
    expect(batcherOf(a, "read", make)).toBe(first);
    expect(batcherOf(a, "write", make)).not.toBe(first);
    expect(batcherOf(other, "read", make)).not.toBe(first);
  });
});
