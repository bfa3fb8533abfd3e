"""A RevOS database exactly as `../shared/seed/data-model.md` documents it, with a few
thousand rows of realistic data and the awkward cases real ones have.

Documented: `timestamp` columns, no owner column on leads and messages, the documented
foreign keys and the three documented policies. Awkward: leads with NULL enrichment fields,
comment times inside the Europe/London DST changes of 2026 (one skipped, one repeated),
one lead with a status outside the documented values, one message whose lead is missing
(loaded with triggers off, as bulk tools do).
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator

import psycopg

from revos.db import adoption, migrations

SCHEMA = """
create extension if not exists vector with schema extensions;

create table public.users (
  id uuid primary key references auth.users (id),
  email text,
  role text,
  created_at timestamp default now(),
  updated_at timestamp default now()
);

create table public.cartridges (
  id uuid primary key default gen_random_uuid(),
  user_id uuid references public.users (id),
  name text,
  persona jsonb,
  writing_style jsonb,
  industry_knowledge jsonb,
  tools_enabled text[],
  system_prompt text,
  examples jsonb,
  is_default boolean,
  created_at timestamp default now()
);

create table public.campaigns (
  id uuid primary key default gen_random_uuid(),
  user_id uuid references public.users (id),
  cartridge_id uuid references public.cartridges (id),
  name text,
  linkedin_post_url text,
  status text,
  settings jsonb,
  created_at timestamp default now(),
  updated_at timestamp default now()
);

create table public.leads (
  id uuid primary key default gen_random_uuid(),
  campaign_id uuid references public.campaigns (id),
  linkedin_profile_url text,
  name text,
  comment_text text,
  commented_at timestamp,
  status text,
  enrichment_status text,
  email text,
  company_name text,
  job_title text,
  company_size text,
  dm_status text,
  dm_sent_at timestamp,
  dm_replied_at timestamp,
  email_status text,
  email_campaign_id text,
  created_at timestamp default now()
);

create table public.messages (
  id uuid primary key default gen_random_uuid(),
  lead_id uuid references public.leads (id),
  channel text,
  content text,
  subject text,
  status text,
  sent_at timestamp,
  approved_by uuid references public.users (id),
  created_at timestamp default now()
);

create table public.lead_magnets (
  id uuid primary key default gen_random_uuid(),
  user_id uuid references public.users (id),
  title text,
  description text,
  niche text,
  file_url text,
  download_count integer,
  conversion_rate decimal,
  is_custom boolean,
  created_at timestamp default now()
);

create table public.posts (
  id uuid primary key default gen_random_uuid(),
  user_id uuid references public.users (id),
  cartridge_id uuid references public.cartridges (id),
  content text,
  image_url text,
  status text,
  linkedin_post_id text,
  likes integer,
  comments integer,
  shares integer,
  published_at timestamp,
  created_at timestamp default now()
);

create table public.apollo_usage (
  id uuid primary key default gen_random_uuid(),
  user_id uuid references public.users (id),
  credits_used integer,
  result text,
  created_at timestamp default now()
);

create table public.embeddings (
  id uuid primary key default gen_random_uuid(),
  user_id uuid references public.users (id),
  content text,
  embedding extensions.vector(1536),
  metadata jsonb,
  created_at timestamp default now()
);

create table public.lead_magnet_embeddings (
  id uuid primary key default gen_random_uuid(),
  lead_magnet_id uuid references public.lead_magnets (id),
  embedding extensions.vector(1536),
  created_at timestamp default now()
);

alter table public.campaigns enable row level security;
alter table public.leads enable row level security;

create policy "Users see own campaigns" on public.campaigns for select
  using (user_id = auth.uid());

create policy "Users see own leads" on public.leads for select
  using (campaign_id in (select id from public.campaigns where user_id = auth.uid()));

create policy "Super admins see all" on public.campaigns for select
  using (exists (select 1 from public.users where id = auth.uid() and role = 'super_admin'));
"""

DATA = """
insert into auth.users (id, email)
select md5('user' || n)::uuid, case when n = 0 then 'owner@agency.example'
                                    else 'client' || n || '@agency.example' end
from generate_series(0, 3) as n;

insert into public.users (id, email, role, created_at)
select id, email, case when email like 'owner%' then 'super_admin' else 'client' end,
       '2026-01-05 09:00'
from auth.users;

insert into public.cartridges (id, user_id, name, persona, writing_style, industry_knowledge,
  tools_enabled, system_prompt, examples, is_default)
select md5('cartridge' || n)::uuid, md5('user' || n)::uuid, 'Founder voice ' || n,
       '{"role": "founder"}', '{"tone": "direct"}', '{"niche": "B2B SaaS"}',
       array['apollo'], 'You write short, warm DMs.', '[]', n = 1
from generate_series(1, 3) as n;

insert into public.campaigns (id, user_id, cartridge_id, name, linkedin_post_url, status,
  settings, created_at, updated_at)
select md5('campaign' || n || '-' || k)::uuid, md5('user' || n)::uuid,
       md5('cartridge' || n)::uuid, 'Playbook post #' || k,
       'https://www.linkedin.com/feed/update/urn:li:activity:' || (7100 + n * 10 + k),
       (array['active', 'paused', 'completed'])[1 + k % 3], '{"daily_dm_limit": 40}',
       '2026-02-01 10:00', '2026-02-01 10:00'
from generate_series(1, 3) as n cross join generate_series(1, 3) as k;

-- 300 leads per campaign; i is the lead's number, hash h its dice
insert into public.leads (id, campaign_id, linkedin_profile_url, name, comment_text,
  commented_at, status, enrichment_status, email, company_name, job_title, company_size,
  dm_status, dm_sent_at, dm_replied_at, email_status, email_campaign_id, created_at)
select md5('lead' || c.id || i)::uuid, c.id,
       'https://www.linkedin.com/in/person-' || md5(c.id::text || i),
       'Person ' || i, 'Interested, please send it over.',
       t.commented_at,
       case when d.reply < 0.12 then 'replied' when d.dm < 0.7 then 'contacted'
            when d.enrich < 0.75 then 'enriched' else 'scraped' end,
       case when d.enrich < 0.65 then 'enriched' when d.enrich < 0.75 then 'partial'
            when d.enrich < 0.9 then 'failed' else 'pending' end,
       case when d.enrich < 0.75 then 'person' || i || '@company.example' end,
       case when d.enrich < 0.75 then 'Company ' || (i % 40) end,
       case when d.enrich < 0.65 then 'Head of Sales' end,
       case when d.enrich < 0.65 then '51-200' end,
       case when d.reply < 0.12 then 'replied' when d.dm < 0.5 then 'delivered'
            when d.dm < 0.7 then 'sent' else 'pending' end,
       case when d.dm < 0.7 or d.reply < 0.12 then t.commented_at + interval '2 hours' end,
       case when d.reply < 0.12 then t.commented_at + interval '1 day' end,
       case when d.enrich < 0.75 and d.mail < 0.3 then 'replied'
            when d.enrich < 0.75 and d.mail < 0.5 then 'clicked'
            when d.enrich < 0.75 and d.mail < 0.7 then 'opened'
            when d.enrich < 0.75 and d.mail < 0.9 then 'sent' end,
       case when d.enrich < 0.75 and d.mail < 0.9 then 'instantly-' || c.id end,
       t.commented_at
from public.campaigns c
cross join generate_series(1, 300) as i
cross join lateral (
  select ('2026-03-01'::timestamp + (i * 7919 % 240) * interval '1 day'
          + (i * 131 % 1440) * interval '1 minute') as commented_at
) t
cross join lateral (
  select (hashtext(c.id::text || i || 'e') & 1023) / 1024.0 as enrich,
         (hashtext(c.id::text || i || 'd') & 1023) / 1024.0 as dm,
         (hashtext(c.id::text || i || 'r') & 1023) / 1024.0 as reply,
         (hashtext(c.id::text || i || 'm') & 1023) / 1024.0 as mail
) d;

-- a DM per contacted lead, an email per emailed lead, a few drafts
insert into public.messages (lead_id, channel, content, subject, status, sent_at, approved_by,
  created_at)
select l.id, 'dm', 'Hi ' || l.name || ', here is the playbook.', null, 'sent', l.dm_sent_at,
       c.user_id, l.dm_sent_at - interval '1 hour'
from public.leads l join public.campaigns c on c.id = l.campaign_id
where l.dm_sent_at is not null
union all
select l.id, 'email', 'Following up on the playbook.', 'The playbook', 'sent',
       l.commented_at + interval '3 days', c.user_id, l.commented_at + interval '2 days'
from public.leads l join public.campaigns c on c.id = l.campaign_id
where l.email_status is not null
union all
select l.id, 'dm', 'Hi ' || l.name || ', a draft.', null, 'draft', null, null,
       l.commented_at + interval '1 hour'
from public.leads l
where l.status = 'enriched' and l.dm_status = 'pending';

insert into public.lead_magnets (id, user_id, title, description, niche, file_url,
  download_count, conversion_rate, is_custom)
select md5('magnet' || n)::uuid, case when n > 6 then md5('user' || (n - 6))::uuid end,
       (array['Cold Outbound Playbook', 'Pricing Teardown', 'Hiring Scorecard',
              'Onboarding Checklist', 'Case Study Framework', 'CRM Hygiene Audit',
              'Our Outbound Playbook', 'Our Pricing Calculator', 'Our ICP Worksheet'])[n],
       'A resource for founders.', (array['B2B SaaS', 'Agencies', 'RevOps'])[1 + n % 3],
       'https://storage.example/' || n || '.pdf', n * 7, 0.12, n > 6
from generate_series(1, 9) as n;

insert into public.posts (user_id, cartridge_id, content, status, linkedin_post_id, likes,
  comments, shares, published_at, created_at)
select md5('user' || n)::uuid, md5('cartridge' || n)::uuid,
       'Most outbound fails for one reason. Comment "playbook".',
       case when k = 3 then 'draft' else 'published' end,
       case when k = 3 then null else (7100 + n * 10 + k)::text end, 120, 40, 6,
       case when k = 3 then null else '2026-02-02 08:00'::timestamp end, '2026-02-01 08:00'
from generate_series(1, 3) as n cross join generate_series(1, 3) as k;

insert into public.apollo_usage (user_id, credits_used, result, created_at)
select c.user_id, case when l.enrichment_status = 'failed' then 0 else 1 end,
       case l.enrichment_status when 'enriched' then 'success' when 'partial' then 'partial'
            else 'failed' end,
       l.created_at
from public.leads l join public.campaigns c on c.id = l.campaign_id
where l.enrichment_status <> 'pending';

insert into public.embeddings (user_id, content, embedding, metadata)
select md5('user' || n)::uuid, 'Prefers short DMs.',
       array_fill(0.01::real, array[1536])::extensions.vector, '{"type": "preference"}'
from generate_series(1, 3) as n;

insert into public.lead_magnet_embeddings (lead_magnet_id, embedding)
select id, array_fill(0.02::real, array[1536])::extensions.vector from public.lead_magnets;

-- the awkward cases --------------------------------------------------------------------
-- comment times in Europe/London's DST changes: 01:30 was skipped on 29 March 2026 and
-- happened twice on 25 October 2026
update public.leads set commented_at = '2026-03-29 01:30', created_at = '2026-03-29 01:30',
  dm_sent_at = null, dm_replied_at = null, dm_status = 'pending'
where id = (select min(id::text)::uuid from public.leads
            where dm_status = 'pending' and email_status is null);

update public.leads set commented_at = '2026-10-25 01:30', created_at = '2026-10-25 01:30',
  dm_sent_at = null, dm_replied_at = null, dm_status = 'pending'
where id = (select max(id::text)::uuid from public.leads
            where dm_status = 'pending' and email_status is null);

-- a status the documented list does not have
update public.leads set status = 'archived'
where id = (select min(id::text)::uuid from public.leads where status = 'scraped');
"""

ORPHAN_MESSAGE = """
set session_replication_role = replica;
insert into public.messages (id, lead_id, channel, content, status, created_at)
values ('00000000-0000-4000-8000-00000000beef', gen_random_uuid(), 'dm', 'Hi, lost lead.',
        'draft', '2026-05-01 12:00');
set session_replication_role = origin;
"""

TABLES = adoption.DOCUMENTED  # the documented tables, parents first


def build(url: str) -> None:
    """Supabase's own parts (roles, auth), then the documented tables and their rows."""
    compat, _ = migrations.discover()
    with psycopg.connect(url, autocommit=True) as conn:
        for migration in compat:
            conn.execute(migration.sql.encode())
        conn.execute(SCHEMA)
        conn.execute(DATA)
        conn.execute(ORPHAN_MESSAGE)
        conn.execute("analyze")


def fingerprints(url: str, schema: str = "public") -> dict[str, tuple[int, str]]:
    """Each table's row count and a hash of every row's full text, in id order."""
    with psycopg.connect(url) as conn:
        return {
            table: conn.execute(
                f"select count(*), md5(coalesce(string_agg(t::text, '|' order by t.id), '')) "
                f"from {schema}.{table} t"
            ).fetchone()
            for table in TABLES
        }


@contextlib.contextmanager
def documented_database(server) -> Iterator[str]:
    """A database of its own on the session server holding the documented RevOS schema."""
    name = f"adopt_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server.url(database="postgres"), autocommit=True) as conn:
        # the server's default locale, not embedded.create_database's: an existing database
        conn.execute(f'create database "{name}"')
    url = server.url(database=name)
    try:
        build(url)
        yield url
    finally:
        with psycopg.connect(server.url(database="postgres"), autocommit=True) as conn:
            conn.execute(f'drop database "{name}" with (force)')
