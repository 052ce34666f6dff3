-- A counter bumped by every change to clients or roles, so that each process may cache a client's
-- grants and still see a change on the very next request (bearer verification reads it with the token).
create table registry_generation (
  id integer primary key check (id = 1),
  n integer not null
);
insert into registry_generation(id, n) values (1, 0);
