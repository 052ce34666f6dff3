-- The sync pipeline: what has reached the target, per resource.
create table sync_state (
  resource_type text not null,
  resource_id text not null,
  -- the resource's version the last successful run applied (0: never)
  synced_version integer not null default 0,
  target_id text,
  state text not null default 'pending',
  last_error text,
  last_synced_at timestamptz,
  -- when the oldest change not yet applied was made (for sync lag)
  pending_since timestamptz,
  -- a resource deleted here whose deletion is applied downstream
  deleted boolean not null default false,
  -- what the last run left on the target (fields, state, division, the target's version), so the
  -- next run sends only what changed without reading the user first
  applied jsonb,
  primary key (resource_type, resource_id)
);
create index sync_state_state on sync_state (resource_type, state);

-- The dry-run target's record of every call the genesys target would send, and its stand-in directory.
create table dry_run_plan (
  id bigint generated always as identity primary key,
  at timestamptz not null,
  resource_type text not null,
  resource_id text not null,
  method text not null,
  path text not null,
  body jsonb
);
create index dry_run_plan_resource on dry_run_plan (resource_id, id);

create table dry_run_directory (
  kind text not null,
  id text not null,
  data jsonb not null,
  primary key (kind, id)
);

-- Divisions read from the target carry its id.
alter table divisions add column target_id text;
create unique index divisions_target_id on divisions (target_id) where target_id is not null;
