-- A user's reports, found when the user first reaches the target (its reports can then have their
-- manager set): the enterprise extension's manager.value, indexed.
create index if not exists scim_users_manager_idx
  on scim_users ((resource -> 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User' -> 'manager' ->> 'value'));
