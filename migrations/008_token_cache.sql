-- Each process answers hot bearer tokens from memory (src/oauth/verification-cache.ts) and drops what it
-- holds when the registry generation moves. The code moves it for client and role changes; these
-- triggers move it for every revocation or shortening of a token and every change of the settings
-- (HIPAA's idle timeout), whatever makes them: the bridge, a cascade from a deleted client, or an
-- operator in SQL (whatever its search_path: the functions keep the schema they were made in). Transition tables (PostgreSQL 10+) keep statements that change nothing from moving it.
create function bump_registry_generation_on_token_delete() returns trigger language plpgsql set search_path from current as $$
begin
  if exists (select 1 from gone) then
    update registry_generation set n = n + 1 where id = 1;
  end if;
  return null;
end $$;

create function bump_registry_generation_on_token_expiry() returns trigger language plpgsql set search_path from current as $$
begin
  if exists (select 1 from before_rows b join after_rows a using (token_hash) where a.expires_at is distinct from b.expires_at) then
    update registry_generation set n = n + 1 where id = 1;
  end if;
  return null;
end $$;

create function bump_registry_generation() returns trigger language plpgsql set search_path from current as $$
begin
  update registry_generation set n = n + 1 where id = 1;
  return null;
end $$;

create trigger tokens_deleted after delete on tokens referencing old table as gone
  for each statement execute function bump_registry_generation_on_token_delete();
create trigger tokens_expiry_changed after update on tokens referencing old table as before_rows new table as after_rows
  for each statement execute function bump_registry_generation_on_token_expiry();
create trigger settings_changed after insert or update or delete on settings
  for each statement execute function bump_registry_generation();
