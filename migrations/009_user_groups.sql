-- A user's groups (its read-only `groups` attribute, RFC 7643 §4.1.2) kept with the user, so that a
-- GET or a page of users is one plain read of scim_users (src/scim/users.ts). Triggers keep it: any
-- membership added or removed (group PATCH, PUT, POST, DELETE, the cascade of a deleted group) and any
-- group renamed recomputes the affected users' lists from scim_group_members, ordered as they are
-- shown. A user's version does not move: `groups` is read-only and not part of what a client wrote.
alter table scim_users add column groups jsonb not null default '[]'::jsonb;

create function scim_user_groups(user_id text) returns jsonb language sql stable set search_path from current as $$
  select coalesce(jsonb_agg(jsonb_build_object('value', g.id, 'display', g.display_name) order by g.display_name_lc, g.id), '[]'::jsonb)
    from scim_group_members m join scim_groups g on g.id = m.group_id
   where m.member_id = user_id
$$;

update scim_users u set groups = scim_user_groups(u.id) where exists (select 1 from scim_group_members m where m.member_id = u.id);

create function scim_user_groups_on_added() returns trigger language plpgsql set search_path from current as $$
begin
  update scim_users u set groups = scim_user_groups(u.id) where u.id in (select member_id from changed);
  return null;
end $$;

create function scim_user_groups_on_renamed() returns trigger language plpgsql set search_path from current as $$
begin
  update scim_users u set groups = scim_user_groups(u.id)
   where u.id in (select m.member_id from scim_group_members m join after_rows a on a.id = m.group_id join before_rows b on b.id = a.id
                   where a.display_name is distinct from b.display_name);
  return null;
end $$;

create trigger scim_group_members_added after insert on scim_group_members referencing new table as changed
  for each statement execute function scim_user_groups_on_added();
create trigger scim_group_members_removed after delete on scim_group_members referencing old table as changed
  for each statement execute function scim_user_groups_on_added();
create trigger scim_groups_renamed after update on scim_groups referencing old table as before_rows new table as after_rows
  for each statement execute function scim_user_groups_on_renamed();
