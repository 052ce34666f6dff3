-- OAuth client registry, roles, divisions, tokens and the audit log.
create table divisions (
  id text primary key,
  name text not null,
  description text not null default '',
  home boolean not null default false,
  created_at timestamptz not null default now()
);
create unique index divisions_name_ci on divisions (lower(name));
create unique index divisions_one_home on divisions (home) where home;

create table roles (
  id text primary key,
  name text not null,
  description text not null default '',
  permissions jsonb not null default '[]',
  builtin text,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create unique index roles_name_ci on roles (lower(name));
create unique index roles_builtin on roles (builtin) where builtin is not null;

create table clients (
  id text primary key,
  name text not null,
  description text not null default '',
  authorized_grant_type text not null,
  access_token_validity_seconds integer not null,
  registered_redirect_uri jsonb not null default '[]',
  scope jsonb not null default '[]',
  state text not null default 'active',
  secret_hash text not null,
  date_created timestamptz not null,
  date_modified timestamptz not null,
  created_by text not null,
  modified_by text not null
);

create table client_role_divisions (
  client_id text not null references clients(id) on delete cascade,
  role_id text not null references roles(id) on delete cascade,
  -- a division id, or '*' for all divisions (no foreign key for that reason)
  division_id text not null,
  primary key (client_id, role_id, division_id)
);
create index client_role_divisions_role on client_role_divisions (role_id);

create table tokens (
  token_hash text primary key,
  client_id text not null references clients(id) on delete cascade,
  issued_at timestamptz not null,
  expires_at timestamptz not null
);
create index tokens_client on tokens (client_id);
create index tokens_expires on tokens (expires_at);

create table audit (
  id integer generated always as identity primary key,
  at timestamptz not null,
  actor text not null,
  action text not null,
  target_type text not null,
  target_id text not null,
  before jsonb,
  after jsonb,
  note text
);
create index audit_target on audit (target_type, target_id);
