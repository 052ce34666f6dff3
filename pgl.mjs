import { PGlite } from "@electric-sql/pglite";
let t=Date.now();
const db = new PGlite(); await db.waitReady; console.log("memory init", Date.now()-t);
await db.exec("create table x(a int, b jsonb, c timestamptz, d bigint)"); await db.query("insert into x values (1,$1,$2,5)", [JSON.stringify({a:1}), new Date()]);
console.log((await db.query("select * from x")).rows);
t=Date.now(); const dump = await db.dumpDataDir("gzip"); console.log("dump", Date.now()-t, dump.size);
t=Date.now(); const db2 = new PGlite({loadDataDir: dump}); await db2.waitReady; console.log("load", Date.now()-t, (await db2.query("select count(*) from x")).rows);
