-- On plain Postgres, `auth.uid()`, `auth.jwt()` and `auth.role()` as Supabase defines them.
--
-- The compat file (compat/0000) gave them `set search_path = ''`. Supabase's own have no
-- setting (the advisor does not lint the `auth` schema), and a SQL function with a setting is
-- never inlined: every `(select auth.uid())` in a policy was a function call of its own, with
-- the setting saved and restored around it, where on Supabase the planner reads the claims in
-- place. Their bodies call only built-ins, so they are the same functions without it; the
-- security definer helpers that call them keep their own empty search path.
--
-- Only where the compat file made them: a hosted project's auth functions belong to Supabase
-- (and a project whose files were run by hand in the SQL editor has no migration history).
set local lock_timeout = '10s';

set local statement_timeout = '1min';

do $$
begin
  if to_regclass('revos_meta.schema_migrations') is not null and exists (
    select from revos_meta.schema_migrations
    where name = 'compat/0000_supabase_compat.sql'
  ) then
    alter function auth.uid() reset search_path;
    alter function auth.jwt() reset search_path;
    alter function auth.role() reset search_path;
  end if;
end
$$;
