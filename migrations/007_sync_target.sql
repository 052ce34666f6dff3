-- Which target the sync state belongs to: the target ids, versions and snapshots in sync_state (and the
-- divisions' target ids) are that target's. A worker records it at start; finding another one there, it
-- resets the sync state and resyncs everything (src/sync/target-change.ts). One row; identity is null
-- until a worker first records it.
create table sync_target (
  id boolean primary key default true check (id),
  identity jsonb,
  recorded_at timestamptz
);
insert into sync_target (id) values (true);
