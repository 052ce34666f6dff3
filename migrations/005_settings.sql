-- Organisation settings (HIPAA compliance) and token use, recorded at most once a minute.
create table settings (
  key text primary key,
  value jsonb not null
);
alter table tokens add column last_used_at timestamptz;
-- recorded uses, at most one a minute: the average gap between uses, for the HIPAA warning
alter table tokens add column uses integer not null default 0;
update tokens set last_used_at = issued_at;
alter table tokens alter column last_used_at set not null;
