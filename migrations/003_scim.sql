-- SCIM users and groups. Searchable attributes live in columns with indexes; the whole
-- resource as accepted is kept in `resource` (JSON, SCIM attribute names, extensions under their URN).
create table scim_users (
  seq bigint generated always as identity unique,
  id text primary key,
  user_name text not null,
  user_name_lc text not null,
  external_id text,
  display_name text,
  display_name_lc text,
  active boolean not null default true,
  division_id text not null,
  -- lower-cased emails[].value, for `emails.value` filters through a GIN index
  email_values text[] not null default '{}',
  version integer not null,
  resource jsonb not null,
  created_at timestamptz not null,
  last_modified timestamptz not null
);
create unique index scim_users_user_name_lc on scim_users (user_name_lc);
create index scim_users_user_name_lc_pattern on scim_users (user_name_lc text_pattern_ops);
create index scim_users_external_id on scim_users (external_id);
create index scim_users_display_name_lc on scim_users (display_name_lc);
create index scim_users_last_modified on scim_users (last_modified);
create index scim_users_division on scim_users (division_id, seq);
create index scim_users_email_values on scim_users using gin (email_values);

create table scim_groups (
  seq bigint generated always as identity unique,
  id text primary key,
  display_name text not null,
  display_name_lc text not null,
  external_id text,
  version integer not null,
  resource jsonb not null,
  created_at timestamptz not null,
  last_modified timestamptz not null
);
create unique index scim_groups_display_name_lc on scim_groups (display_name_lc);
create index scim_groups_display_name_lc_pattern on scim_groups (display_name_lc text_pattern_ops);
create index scim_groups_external_id on scim_groups (external_id);
create index scim_groups_last_modified on scim_groups (last_modified);

-- One row per membership: a member change touches one row, whatever the group's size.
create table scim_group_members (
  group_id text not null references scim_groups(id) on delete cascade,
  member_id text not null,
  member_type text not null,
  -- the label the client sent with the member, if any (else the member's own displayName is shown)
  display text,
  primary key (group_id, member_id)
);
create index scim_group_members_member on scim_group_members (member_id);

-- Resource counts kept in the writing transaction, so an unfiltered list's totalResults is not a scan.
create table scim_counts (
  resource_type text not null,
  division_id text not null,
  n integer not null,
  primary key (resource_type, division_id)
);

-- Change capture: written in the same transaction as the resource; the sync relay drains it.
create table outbox (
  id bigint generated always as identity primary key,
  resource_type text not null,
  resource_id text not null,
  version integer not null,
  op text not null,
  created_at timestamptz not null
);
