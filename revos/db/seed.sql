-- Demo data, set-based. Runs as the service role after revos/seed.py has created
-- pg_temp.seed_params and the pg_temp helpers r() (a uniform [0,1) from a hash of the seed and
-- a key), uid() (a uuid from the seed, a kind and a number), seq_uid() and rekind() (the bulk
-- tables' time-ordered ids) and pick() (an array element).
-- No row-at-a-time loops: the same statements produce a million leads.

-- Sections, in the order one transaction runs them. A parallel seed runs "tenants" on several
-- connections at once, each for its share of the clients; then each later section on one
-- connection, all tenants at once, beside the index builds (revos/db/seed.py says why):
--   clients    the seed_clients table every section reads
--   shared     accounts, reviewer assignments and the global magnet library
--   tenants    each client's cartridges, campaigns, leads, posts, custom magnets and
--              memories (a parallel seed: each connection its share of the clients)
--   messages   messages and their review history, from the leads
--   downloads  lead magnet downloads, from the leads
--   apollo     enrichment attempts, from the leads
--   totals     library-wide totals, from the downloads
--   rollups    the daily rollups the load's skipped triggers would have kept

-- section: clients
-- Client tenants, then the reviewer and the super admin.
create temp table seed_clients on commit drop as
select n,
       pg_temp.uid('user', n) as id,
       'client' || n || '@revos.demo' as email,
       case when n = 1 and p.big_client_leads is not null then p.big_client_leads
            when p.leads_min = p.leads_max then p.leads_min
            else p.leads_min + floor(pg_temp.r(n, 1) * (p.leads_max - p.leads_min + 1))::int
       end as lead_count,
       3 + floor(pg_temp.r(n, 2) * 4)::int as campaign_count,
       1 + floor(pg_temp.r(n, 3) * 3)::int as cartridge_count
from pg_temp.seed_params p, generate_series(1, p.clients) as n;

-- section: shared
insert into auth.users (id, email, encrypted_password, created_at)
select c.id, c.email, p.password_hash, p.anchor - interval '150 days'
from seed_clients c, pg_temp.seed_params p
union all
select pg_temp.uid('user', -1), 'reviewer@revos.demo', p.password_hash, p.anchor - interval '150 days'
from pg_temp.seed_params p
union all
select pg_temp.uid('user', -2), 'admin@revos.demo', p.password_hash, p.anchor - interval '150 days'
from pg_temp.seed_params p;

insert into public.users (id, email, role, full_name, company, time_zone, created_at)
select c.id, c.email, 'client',
       pg_temp.pick(array['Maya Chen', 'Daniel Okafor', 'Sofia Lindqvist', 'Arjun Mehta',
         'Hannah Becker', 'Lucas Moreau', 'Priya Raman', 'Tom Gallagher', 'Elena Petrova',
         'Marcus Reid'], ((c.n - 1) % 10) / 10.0),
       pg_temp.pick(array['Northwind Growth', 'Brightline Consulting', 'Summit B2B Labs',
         'Copperleaf Agency', 'Atlas Revenue Partners', 'Bluefin Talent', 'Evergreen SaaS Co',
         'Harbor & Pine Advisory', 'Keystone Demand', 'Lumen Outreach'], ((c.n - 1) % 10) / 10.0)
         || case when c.n > 10 then ' ' || c.n else '' end,
       (array['America/New_York', 'Europe/London', 'Europe/Berlin', 'America/Los_Angeles',
         'Asia/Singapore', 'Australia/Sydney'])[1 + (c.n - 1) % 6],
       p.anchor - interval '150 days'
from seed_clients c, pg_temp.seed_params p
union all
select pg_temp.uid('user', -1), 'reviewer@revos.demo', 'reviewer', 'Rita Reviewer', 'RevOS',
       'Europe/Berlin', p.anchor - interval '150 days'
from pg_temp.seed_params p
union all
select pg_temp.uid('user', -2), 'admin@revos.demo', 'super_admin', 'Ada Admin', 'RevOS',
       'UTC', p.anchor - interval '150 days'
from pg_temp.seed_params p;

insert into public.reviewer_assignments (reviewer_id, client_id)
select pg_temp.uid('user', -1), c.id from seed_clients c where c.n in (1, 2);

-- Lead magnets: the global library across niches (custom magnets are per tenant).
insert into public.lead_magnets (id, user_id, title, description, niche, file_url, is_custom,
  created_at)
select pg_temp.uid('magnet', t.n), null, t.title, t.description, t.niche,
       'https://storage.revos.demo/lead-magnets/' || t.n || '.pdf', false,
       p.anchor - interval '200 days'
from pg_temp.seed_params p
cross join (values
  (1, 'Cold Outbound Playbook', 'Sequences, timing and copy that book meetings.', 'B2B SaaS'),
  (2, 'SaaS Pricing Page Teardown', '30 pricing pages and what converts.', 'B2B SaaS'),
  (3, 'PLG to Sales Handoff Guide', 'When and how sales should step in.', 'B2B SaaS'),
  (4, 'Agency Retainer Pricing Template', 'Price retainers on value, not hours.', 'Agencies'),
  (5, 'Client Onboarding Checklist', 'The first 30 days of a new agency client.', 'Agencies'),
  (6, 'Case Study Framework', 'Turn client wins into pipeline.', 'Agencies'),
  (7, 'Technical Hiring Scorecard', 'Structured interviews for engineering roles.', 'Recruiting'),
  (8, 'Candidate Outreach Scripts', 'InMail and email scripts with reply data.', 'Recruiting'),
  (9, 'E-commerce Retention Calendar', 'A year of retention campaigns.', 'E-commerce'),
  (10, 'Abandoned Cart Email Swipe File', '25 flows that recover revenue.', 'E-commerce'),
  (11, 'Fintech Compliance Primer for Sales', 'Selling into regulated buyers.', 'Fintech'),
  (12, 'CFO Buying Committee Map', 'Who signs, who blocks, who influences.', 'Fintech'),
  (13, 'Real Estate Lead Nurture Sequence', 'From enquiry to viewing.', 'Real estate'),
  (14, 'Healthcare Procurement Guide', 'Navigating hospital buying cycles.', 'Healthcare'),
  (15, 'Coaching Discovery Call Script', 'Qualify and close on the first call.', 'Coaching'),
  (16, 'RevOps Metrics Dashboard', 'The 12 metrics every revenue team tracks.', 'RevOps'),
  (17, 'CRM Hygiene Audit', 'Find and fix the data that breaks forecasts.', 'RevOps'),
  (18, 'Forecasting Model Spreadsheet', 'Weighted pipeline with sanity checks.', 'RevOps'),
  (19, 'Founder-Led Sales Guide', 'Selling before your first sales hire.', 'Startups'),
  (20, 'Webinar-to-Pipeline Playbook', 'Turn attendees into meetings.', 'Marketing')
) as t (n, title, description, niche);

-- section: tenants
-- Voice cartridges: 1 to 3 per client.
insert into public.cartridges (id, user_id, name, persona, writing_style, industry_knowledge,
  tools_enabled, system_prompt, examples, is_default, created_at)
select pg_temp.uid('cartridge', c.n * 10 + j),
       c.id,
       v.name,
       jsonb_build_object('role', v.role, 'expertise', v.expertise, 'audience', v.audience),
       jsonb_build_object('tone', v.tone, 'vocabulary', v.vocabulary, 'structure', v.structure),
       jsonb_build_object('niche', v.niche, 'topics', v.topics, 'pain_points', v.pains),
       array['linkedin_dm', 'email', 'apollo_enrich'],
       format('You write as a %s for %s. Tone: %s. Keep messages short, specific and human; '
         || 'never use hype or emojis.', v.role, v.audience, v.tone),
       jsonb_build_array(jsonb_build_object('kind', 'dm', 'text', v.example)),
       j = 1,
       p.anchor - interval '140 days'
from seed_clients c
cross join pg_temp.seed_params p
cross join lateral generate_series(1, c.cartridge_count) as j
cross join lateral (
  select * from (values
    (1, 'Thought Leader', 'founder and operator', 'go-to-market strategy',
     'B2B founders and revenue leaders', 'confident, generous, plain-spoken',
     'concrete numbers, no jargon', 'hook, one insight, soft ask', 'B2B SaaS',
     '["pipeline", "outbound", "positioning"]'::jsonb,
     '["long sales cycles", "low reply rates"]'::jsonb,
     'Saw your comment on the outbound post, happy to send the playbook over.'),
    (2, 'Friendly Founder', 'bootstrapped founder', 'community-led growth',
     'small agency owners', 'warm, curious, informal',
     'first names, short sentences', 'question first, value second', 'Agencies',
     '["referrals", "retainers", "pricing"]'::jsonb,
     '["feast-or-famine pipeline", "scope creep"]'::jsonb,
     'Loved your take on retainers. Want the pricing template we use?'),
    (3, 'Data-Driven Operator', 'head of revenue operations', 'RevOps and analytics',
     'sales and marketing leaders', 'precise, calm, evidence-first',
     'metrics and benchmarks', 'observation, data point, offer', 'RevOps',
     '["attribution", "forecasting", "CRM hygiene"]'::jsonb,
     '["messy CRM data", "unreliable forecasts"]'::jsonb,
     'Your point on forecast accuracy was spot on. I have a benchmark sheet if useful.')
  ) as t (k, name, role, expertise, audience, tone, vocabulary, structure, niche, topics,
          pains, example)
  where t.k = 1 + (j + c.n) % 3
) as v;

-- Campaigns: 3 to 6 per client, each scraping the commenters of one LinkedIn post.
create temp table seed_campaigns on commit drop as
select c.n as client_n,
       k,
       pg_temp.uid('campaign', c.n * 100 + k) as id,
       c.id as user_id,
       pg_temp.uid('cartridge', c.n * 10 + 1 + floor(pg_temp.r(c.n * 100 + k, 10)
         * c.cartridge_count)::int) as cartridge_id,
       -- each campaign converts differently: DM reply rate 8% to 20%, email replies vary too
       0.08 + pg_temp.r(c.n * 100 + k, 11) * 0.12 as dm_reply_rate,
       0.20 + pg_temp.r(c.n * 100 + k, 12) * 0.25 as email_reply_given_click,
       p.anchor - interval '125 days' - pg_temp.r(c.n * 100 + k, 13) * interval '20 days'
         as created_at,
       (7190000000000000000 + floor(pg_temp.r(c.n * 100 + k, 14) * 1e15))::bigint::text
         as activity_id
from seed_clients c
cross join pg_temp.seed_params p
cross join lateral generate_series(1, c.campaign_count) as k;

insert into public.campaigns (id, user_id, cartridge_id, name, linkedin_post_url, status,
  settings, created_at, updated_at)
select s.id, s.user_id, s.cartridge_id,
       pg_temp.pick(array['Outbound Playbook', 'Pricing Template', 'Hiring Scorecard',
         'Cold Email Teardown', 'Pipeline Calculator', 'RevOps Checklist', 'Webinar Replay',
         'Case Study Pack', 'ICP Worksheet', 'Founder Sales Guide'],
         pg_temp.r(s.client_n * 100 + s.k, 15)) || ' #' || s.k,
       'https://www.linkedin.com/feed/update/urn:li:activity:' || s.activity_id,
       case when s.k = 1 then 'completed'
            when s.k = 2 and s.client_n % 2 = 0 then 'paused'
            else 'active' end,
       jsonb_build_object('daily_dm_limit', 40 + s.k * 5, 'send_window', '09:00-17:00',
         'timezone', 'Europe/London', 'follow_up_after_days', 3),
       s.created_at, s.created_at
from seed_campaigns s;

-- Leads. Lead i of a client commented at a time spread evenly over the last 120 days, newest
-- first; the newest few are enriched but not yet contacted, so they carry drafts to review.
insert into public.leads (id, user_id, campaign_id, linkedin_profile_url, name, comment_text,
  commented_at, status, enrichment_status, enriched_at, email, company_name, job_title,
  company_size, dm_status, dm_sent_at, dm_delivered_at, dm_replied_at, email_status,
  email_sent_at, email_opened_at, email_clicked_at, email_replied_at, email_campaign_id,
  created_at)
select pg_temp.seq_uid(1, g.key),
       c.id,
       camp.id,
       'https://www.linkedin.com/in/' || lower(g.first_name) || '-' || lower(g.last_name) || '-'
         || to_hex(g.key),
       g.first_name || ' ' || g.last_name,
       g.comment_text,
       g.commented_at,
       case when dm.replied_at is not null or em.replied_at is not null then 'replied'
            when dm.sent_at is not null or em.sent_at is not null then 'contacted'
            when e.status in ('enriched', 'partial') then 'enriched'
            else 'scraped' end,
       e.status,
       e.at,
       e.email,
       case when e.status in ('enriched', 'partial') then g.company end,
       case when e.status = 'enriched' or (e.status = 'partial' and g.r_title < 0.6)
            then g.title end,
       case when e.status = 'enriched' then g.company_size end,
       case when dm.replied_at is not null then 'replied'
            when dm.delivered_at is not null then 'delivered'
            when dm.sent_at is not null then 'sent'
            else 'pending' end,
       dm.sent_at,
       dm.delivered_at,
       dm.replied_at,
       case when em.replied_at is not null then 'replied'
            when em.clicked_at is not null then 'clicked'
            when em.opened_at is not null then 'opened'
            when em.sent_at is not null then 'sent'
            when em.queued then 'queued' end,
       em.sent_at,
       em.opened_at,
       em.clicked_at,
       em.replied_at,
       case when em.sent_at is not null or em.queued then 'inst_' || substr(camp.id::text, 1, 8) end,
       g.commented_at
from seed_clients c
cross join pg_temp.seed_params p
cross join lateral generate_series(1, c.lead_count) as i
cross join lateral (
  select c.n::bigint * 10000000 + i as key,
         1 + floor(pg_temp.r(c.n::bigint * 10000000 + i, 20) * c.campaign_count)::int as k
  offset 0  -- computed once per row: PostgreSQL would otherwise repeat it per use
) as ids
join seed_campaigns camp on camp.client_n = c.n and camp.k = ids.k
cross join lateral (
  select ids.key,
         p.anchor - ((i - 1 + pg_temp.r(ids.key, 21)) / c.lead_count) * interval '120 days'
           as commented_at,
         pg_temp.pick(array['James', 'Olivia', 'Noah', 'Emma', 'Liam', 'Ava', 'Mateo', 'Sophia',
           'Ethan', 'Isabella', 'Lucas', 'Mia', 'Amara', 'Kenji', 'Zara', 'Omar', 'Freya',
           'Diego', 'Nina', 'Ravi', 'Chloe', 'Jonas', 'Leila', 'Tariq', 'Ingrid', 'Samuel',
           'Yara', 'Felix', 'Aisha', 'Hugo'], pg_temp.r(ids.key, 22)) as first_name,
         pg_temp.pick(array['Smith', 'Johnson', 'Garcia', 'Müller', 'Rossi', 'Nakamura', 'Patel',
           'Kowalski', 'Dubois', 'Silva', 'Nguyen', 'Andersen', 'Okafor', 'Cohen', 'Fischer',
           'Martin', 'Haddad', 'Kim', 'Larsen', 'Novak', 'Brennan', 'Costa', 'Ibrahim', 'Walsh',
           'Vargas', 'Sato', 'Hughes', 'Bauer', 'Mensah', 'Lindgren'],
           pg_temp.r(ids.key, 23)) as last_name,
         pg_temp.pick(array['Acme Analytics', 'Blue Harbor Software', 'Cobalt Logistics',
           'Driftwood Studios', 'Elm Street Capital', 'Foxglove Health', 'Granite Payroll',
           'Helix Robotics', 'Ironbark Security', 'Juniper Retail', 'Kestrel Marketing',
           'Lakeside Legal', 'Meridian Cloud', 'Nimbus HR', 'Orchard Foods', 'Pioneer Freight',
           'Quartz Fintech', 'Redwood Realty', 'Saffron Media', 'Tidewater Energy',
           'Umbra Design', 'Vantage Recruiting', 'Willow Education', 'Xenon Labs',
           'Yellowtail Travel', 'Zephyr Commerce'], pg_temp.r(ids.key, 24)) as company,
         pg_temp.pick(array['Head of Sales', 'VP Marketing', 'Founder & CEO', 'Growth Lead',
           'Revenue Operations Manager', 'Account Executive', 'Director of Demand Generation',
           'Chief Revenue Officer', 'Sales Development Manager', 'Marketing Operations Lead',
           'Head of Partnerships', 'COO', 'Customer Success Director', 'Talent Acquisition Lead'],
           pg_temp.r(ids.key, 25)) as title,
         pg_temp.pick(array['1-10', '11-50', '11-50', '51-200', '51-200', '201-500',
           '501-1000', '1001-5000'], pg_temp.r(ids.key, 26)) as company_size,
         pg_temp.pick(array['Interested! Would love a copy.', 'Yes please, sending you a DM.',
           'This is exactly what our team needs right now.', 'Great breakdown, thanks for sharing.',
           'Following. We struggle with this every quarter.', 'Can you share the template?',
           'Agree with point 3 — reply rates tanked for us last year.', 'Playbook please!',
           'Super useful. How do you handle follow-ups?', 'Commenting to get the guide.',
           'We tried something similar, curious how it scales.', 'Would love to see the data.',
           'Spot on about personalisation at scale.', 'Send it over 🙏',
           'Bookmarking this. Our SDRs need it.', 'How long did it take to see results?',
           'Interesting take on pricing, keen to read more.', 'Me too, please.'],
           pg_temp.r(ids.key, 27)) as comment_text,
         pg_temp.r(ids.key, 28) as r_title
  offset 0
) as g
-- enrichment: about 70% enriched or partial, a few days' worth still pending
cross join lateral (
  select case when i <= p.fresh_drafts then 'enriched'
              when g.commented_at > p.anchor - interval '2 days' then 'pending'
              when pg_temp.r(g.key, 30) < 0.58 then 'enriched'
              when pg_temp.r(g.key, 30) < 0.70 then 'partial'
              else 'failed' end as status
  offset 0
) as es
cross join lateral (
  select es.status,
         case when es.status <> 'pending' then g.commented_at
           + least(pg_temp.r(g.key, 31) * interval '20 hours', (p.anchor - g.commented_at) / 2)
         end as at,
         case when i <= p.fresh_drafts
                or (es.status = 'enriched' and pg_temp.r(g.key, 32) < 0.85)
                or (es.status = 'partial' and pg_temp.r(g.key, 32) < 0.35)
              then lower(translate(g.first_name, 'ü', 'u')) || '.'
                || lower(translate(g.last_name, 'ü', 'u')) || '@'
                || lower(replace(replace(g.company, ' ', ''), '&', '')) || '.com'
         end as email
  offset 0
) as e
-- the DM path: sent, delivered, replied; nothing happens after the anchor ("now")
cross join lateral (
  select case when i > p.fresh_drafts and e.status in ('enriched', 'partial')
                and pg_temp.r(g.key, 40) < 0.85
                and e.at + (2 + pg_temp.r(g.key, 41) * 46) * interval '1 hour' <= p.anchor
              then e.at + (2 + pg_temp.r(g.key, 41) * 46) * interval '1 hour' end as sent_at
  offset 0
) as d1
cross join lateral (
  select case when d1.sent_at is not null and pg_temp.r(g.key, 42) < 0.93
                and d1.sent_at + pg_temp.r(g.key, 43) * interval '6 hours' <= p.anchor
              then d1.sent_at + pg_temp.r(g.key, 43) * interval '6 hours' end as delivered_at
  offset 0
) as d2
cross join lateral (
  select d1.sent_at,
         d2.delivered_at,
         case when d2.delivered_at is not null
                and pg_temp.r(g.key, 44) < camp.dm_reply_rate / 0.93
                and d2.delivered_at + (1 + pg_temp.r(g.key, 45) * 95) * interval '1 hour' <= p.anchor
              then d2.delivered_at + (1 + pg_temp.r(g.key, 45) * 95) * interval '1 hour'
         end as replied_at
  offset 0
) as dm
-- the email path, only for leads with an email: queued, sent, opened, clicked, replied
cross join lateral (
  select case when i > p.fresh_drafts and e.email is not null and pg_temp.r(g.key, 50) < 0.8
                and e.at + (12 + pg_temp.r(g.key, 51) * 72) * interval '1 hour' <= p.anchor
              then e.at + (12 + pg_temp.r(g.key, 51) * 72) * interval '1 hour' end as sent_at,
         i > p.fresh_drafts and e.email is not null and pg_temp.r(g.key, 50) >= 0.8
           and pg_temp.r(g.key, 50) < 0.9 as queued
  offset 0
) as m1
cross join lateral (
  select case when m1.sent_at is not null and pg_temp.r(g.key, 52) < 0.55
                and m1.sent_at + pg_temp.r(g.key, 53) * interval '24 hours' <= p.anchor
              then m1.sent_at + pg_temp.r(g.key, 53) * interval '24 hours' end as opened_at
  offset 0
) as m2
cross join lateral (
  select case when m2.opened_at is not null and pg_temp.r(g.key, 54) < 0.35
                and m2.opened_at + pg_temp.r(g.key, 55) * interval '6 hours' <= p.anchor
              then m2.opened_at + pg_temp.r(g.key, 55) * interval '6 hours' end as clicked_at
  offset 0
) as m3
cross join lateral (
  select m1.sent_at,
         m1.queued,
         m2.opened_at,
         m3.clicked_at,
         case when m3.clicked_at is not null
                and pg_temp.r(g.key, 56) < camp.email_reply_given_click
                and m3.clicked_at + (1 + pg_temp.r(g.key, 57) * 47) * interval '1 hour' <= p.anchor
              then m3.clicked_at + (1 + pg_temp.r(g.key, 57) * 47) * interval '1 hour'
         end as replied_at
  offset 0
) as em;

-- Posts: one published post behind each campaign, a few more, and drafts for review.
insert into public.posts (id, user_id, cartridge_id, content, status, linkedin_post_id,
  likes, comments, shares, published_at, created_at, image_url)
select pg_temp.seq_uid(6, s.client_n * 100 + s.k), s.user_id, s.cartridge_id,
       format('Most outbound fails for one reason: it is about the sender, not the reader. '
         || 'I wrote up the %s we use. Comment "playbook" and I will send it.',
         lower(split_part(camp.name, ' #', 1))),
       'published', s.activity_id,
       (40 + pg_temp.r(s.client_n * 100 + s.k, 70) * 900)::int,
       coalesce(n.leads, 0)::int,
       (2 + pg_temp.r(s.client_n * 100 + s.k, 71) * 60)::int,
       s.created_at, s.created_at - interval '1 day',
       'https://images.revos.demo/posts/' || s.activity_id || '.png'
from seed_campaigns s
join public.campaigns camp on camp.id = s.id
left join (
  select l.campaign_id, count(*) as leads
  from public.leads l
  group by l.campaign_id
) as n on n.campaign_id = s.id
union all
select pg_temp.seq_uid(6, c.n * 100 + 50 + j), c.id, pg_temp.uid('cartridge', c.n * 10 + 1),
       pg_temp.pick(array[
         'Three questions I ask before any discovery call, and why the third matters most.',
         'We cut our sales cycle by 22 days. Here is the one change that did it.',
         'Your CRM is lying to you. A short thread on pipeline hygiene.',
         'Hiring your first SDR? Read this before you post the job.',
         'The follow-up email that gets 3x the replies of the first one.',
         'What 1,200 LinkedIn comments taught us about buying intent.'],
         pg_temp.r(c.n * 1000 + j, 72)),
       case when j <= 3 then 'draft' when j = 4 then 'approved' else 'published' end,
       case when j > 4 then (7180000000000000000 + floor(pg_temp.r(c.n * 1000 + j, 73) * 1e15))::bigint::text end,
       case when j > 4 then (25 + pg_temp.r(c.n * 1000 + j, 74) * 600)::int else 0 end,
       case when j > 4 then (3 + pg_temp.r(c.n * 1000 + j, 75) * 80)::int else 0 end,
       case when j > 4 then (pg_temp.r(c.n * 1000 + j, 76) * 40)::int else 0 end,
       case when j > 4 then p.anchor - pg_temp.r(c.n * 1000 + j, 77) * interval '118 days' end,
       case when j > 4 then p.anchor - pg_temp.r(c.n * 1000 + j, 77) * interval '118 days'
              - interval '1 day'
            else p.anchor - pg_temp.r(c.n * 1000 + j, 78) * interval '4 days' end,
       null
from seed_clients c
cross join pg_temp.seed_params p
cross join lateral generate_series(1, 8 + floor(pg_temp.r(c.n, 79) * 8)::int) as j;

-- Custom lead magnets per client (the global library is in the shared section).
insert into public.lead_magnets (id, user_id, title, description, niche, file_url, is_custom,
  created_at)
select pg_temp.uid('magnet', 1000 + c.n * 10 + j), c.id,
       pg_temp.pick(array['Our Outbound Playbook', 'Pricing Calculator', 'ICP Worksheet',
         'Case Study Pack', 'Discovery Question Bank', 'Pipeline Review Template'],
         pg_temp.r(c.n * 10 + j, 80)) || ' (' || split_part(u.company, ' ', 1) || ')',
       'A custom resource written for this client''s audience.',
       pg_temp.pick(array['B2B SaaS', 'Agencies', 'RevOps', 'Recruiting'], pg_temp.r(c.n, 81)),
       'https://storage.revos.demo/lead-magnets/custom-' || c.n || '-' || j || '.pdf', true,
       p.anchor - interval '130 days'
from seed_clients c
join public.users u on u.id = c.id
cross join pg_temp.seed_params p
cross join lateral generate_series(1, 1 + floor(pg_temp.r(c.n, 82) * 3)::int) as j;

-- A few Mem0 memories per client (first 50 clients), as Mem0 would have left them: with a
-- vector of a model this dashboard does not know (here: zeros, no model). `revos embed`
-- re-embeds them, with the lead magnets and the approvals, in the library's model.
insert into public.embeddings (user_id, content, embedding, metadata, created_at)
select c.id,
       pg_temp.pick(array['Prefers short DMs under 300 characters.',
         'Audience responds best to concrete numbers.', 'Avoid the word "synergy".',
         'Best send window is Tuesday to Thursday morning.'], (j - 1) / 4.0),
       array_fill(0::real, array[1536])::extensions.vector,
       jsonb_build_object('type', 'preference', 'cartridge_id',
         pg_temp.uid('cartridge', c.n * 10 + 1)),
       p.anchor - interval '100 days'
from seed_clients c
cross join pg_temp.seed_params p
cross join generate_series(1, 4) as j
where c.n <= 50;

-- section: messages
-- Each campaign's offer as the messages name it ("outbound playbook"), worked out once.
create temp table seed_offers on commit drop as
select c.id as campaign_id, lower(split_part(c.name, ' #', 1)) as offer
from public.campaigns c;

-- Messages: what was sent, what is approved and waiting, what failed, and drafts to review.
-- A lead's messages take its id with kinds 32 to 35 (revos/db/seed.py: rekind).
-- Sent messages were approved by the client's reviewer, or by the client when unassigned.
create temp table seed_approvers on commit drop as
select c.id as client_id, coalesce(ra.reviewer_id, c.id) as approver_id
from seed_clients c
left join public.reviewer_assignments ra on ra.client_id = c.id;

insert into public.messages (id, user_id, lead_id, channel, content, subject, status, sent_at,
  approved_by, created_at, updated_at)
select pg_temp.rekind(l.id, 32), l.user_id, l.id, 'dm',
       format('Hi %s, thanks for commenting on my post. Here is the %s I mentioned. '
         || 'Curious how you handle this at %s today?', split_part(l.name, ' ', 1),
         o.offer, coalesce(l.company_name, 'your team')),
       null, 'sent', l.dm_sent_at, a.approver_id, l.dm_sent_at - interval '2 hours',
       l.dm_sent_at
from public.leads l
join seed_offers o on o.campaign_id = l.campaign_id
join seed_approvers a on a.client_id = l.user_id
where l.dm_sent_at is not null
union all
-- a follow-up DM three days after delivery when there was no reply yet
select pg_temp.rekind(l.id, 33), l.user_id, l.id, 'dm',
       format('Quick follow-up, %s: did the %s land OK? Happy to walk you through it.',
         split_part(l.name, ' ', 1), o.offer),
       null, 'sent', l.dm_delivered_at + interval '3 days', a.approver_id,
       l.dm_delivered_at + interval '3 days' - interval '2 hours',
       l.dm_delivered_at + interval '3 days'
from public.leads l
join seed_offers o on o.campaign_id = l.campaign_id
join seed_approvers a on a.client_id = l.user_id
cross join pg_temp.seed_params p
where l.dm_delivered_at is not null
  and (l.dm_replied_at is null or l.dm_replied_at > l.dm_delivered_at + interval '3 days')
  and l.dm_delivered_at + interval '3 days' <= p.anchor
  and pg_temp.r(hashtextextended(l.id::text, 0), 60) < 0.6
union all
select pg_temp.rekind(l.id, 34), l.user_id, l.id, 'email',
       format('Hi %s,%s%sThanks for your comment on LinkedIn. I put together a short %s for '
         || 'teams like %s. Worth a look?%s%sBest,%s%s', split_part(l.name, ' ', 1), chr(10), chr(10),
         o.offer, coalesce(l.company_name, 'yours'), chr(10),
         chr(10), chr(10), coalesce(u.full_name, 'The team')),
       format('The %s for %s', o.offer,
         coalesce(l.company_name, split_part(l.name, ' ', 1))),
       case when l.email_sent_at is not null then 'sent'
            when pg_temp.r(hashtextextended(l.id::text, 0), 61) < 0.1 then 'failed'
            else 'approved' end,
       l.email_sent_at,
       a.approver_id,
       coalesce(l.email_sent_at, l.enriched_at) - interval '3 hours',
       coalesce(l.email_sent_at, l.enriched_at)
from public.leads l
join seed_offers o on o.campaign_id = l.campaign_id
join public.users u on u.id = l.user_id
join seed_approvers a on a.client_id = l.user_id
where l.email_status is not null
union all
-- drafts for the newest leads: one DM and one email each, waiting for approval
select pg_temp.rekind(l.id, 32 + x.slot), l.user_id, l.id, x.channel,
       case when x.channel = 'dm' then
         format('Hey %s, saw your comment ("%s"). I can send the %s over here, want it?',
           split_part(l.name, ' ', 1), left(l.comment_text, 60),
           o.offer)
       else
         format('Hi %s,%s%sYou asked about the %s on LinkedIn, so here it is. It covers what '
           || 'worked for teams like %s.%s%sCheers,%s%s', split_part(l.name, ' ', 1), chr(10),
           chr(10), o.offer, coalesce(l.company_name, 'yours'),
           chr(10), chr(10), chr(10), coalesce(u.full_name, 'The team'))
       end,
       case when x.channel = 'email' then
         format('Your copy of the %s', o.offer) end,
       'draft', null, null, l.enriched_at, l.enriched_at
from public.leads l
join seed_offers o on o.campaign_id = l.campaign_id
join public.users u on u.id = l.user_id
cross join (values ('dm', 0), ('email', 2)) as x (channel, slot)
where l.id in (
    select f.id from (
      select l2.id, row_number() over (partition by l2.user_id order by l2.commented_at desc) as rn
      from public.leads l2
      where l2.enrichment_status <> 'pending' and l2.dm_sent_at is null and l2.email_status is null
        and l2.email is not null
    ) f
    where f.rn <= (select p.fresh_drafts from pg_temp.seed_params p)
  );

-- Review history: a few rejections, then the last 30 days of approvals (some edited first),
-- reviewed by the client's reviewer (or the client) an hour or two after drafting.
with rejected as (
  update public.messages m
     set status = 'rejected', approved_by = a.approver_id
    from seed_approvers a, pg_temp.seed_params p
   where a.client_id = m.user_id and m.status = 'approved'
     and m.created_at >= p.anchor - interval '30 days'
     and pg_temp.r(hashtextextended(m.id::text, 0), 102) < 0.3
  returning m.*
)
insert into public.review_audit (id, item_kind, item_id, channel, client_id, actor_id,
  actor_name, action, content_before, content_after, subject_before, subject_after, reason,
  drafted_at, created_at)
select pg_temp.rekind(r.id, 1280 + pg_temp.kind_of(r.id)), 'message', r.id, r.channel,
       r.user_id,
       r.approved_by,
       -- named as the review trigger names reviewers (private.display_name)
       (select coalesce(u.full_name || ' (' || u.email || ')', u.email) from public.users u
         where u.id = r.approved_by),
       'rejected', r.content, r.content, r.subject, r.subject,
       pg_temp.pick(array['Too salesy for this lead', 'Wrong first name',
         'Mentions a competitor', 'Too long', 'Off-brand tone'],
         pg_temp.r(hashtextextended(r.id::text, 0), 103)),
       r.created_at, r.created_at + interval '50 minutes'
from rejected r;

insert into public.review_audit (id, item_kind, item_id, channel, client_id, actor_id,
  actor_name, action, content_before, content_after, subject_before, subject_after, reason,
  drafted_at, created_at)
select pg_temp.rekind(m.id, 1280 + pg_temp.kind_of(m.id)), 'message', m.id, m.channel,
       m.user_id,
       m.approved_by, coalesce(a.full_name || ' (' || a.email || ')', a.email),
       case when pg_temp.r(h.k, 100) < 0.15 then 'edited_and_approved' else 'approved' end,
       -- an edited draft had a closing line the reviewer cut, so before and after differ
       case when pg_temp.r(h.k, 100) < 0.15
            then m.content || ' Let me know what you think!' else m.content end,
       m.content, m.subject, m.subject, null, m.created_at,
       m.created_at + (10 + pg_temp.r(h.k, 101) * 100) * interval '1 minute'
from public.messages m
cross join pg_temp.seed_params p
cross join lateral (select hashtextextended(m.id::text, 0) as k) as h
join public.users a on a.id = m.approved_by
where m.status in ('sent', 'approved') and m.approved_by is not null
  and m.created_at >= p.anchor - interval '30 days';

-- section: downloads
-- Downloads: about a third of delivered DMs lead to a download of a magnet the client offers.
-- The reply flag (a reply after the download) is set as the trigger the load skips would set
-- it: the recount that follows then has no download to rewrite (no dead rows left behind for
-- the page reads).
insert into public.lead_magnet_downloads (id, user_id, lead_id, lead_magnet_id, downloaded_at,
  lead_replied)
select pg_temp.rekind(l.id, 4), l.user_id, l.id,
       case when pg_temp.r(h.k, 90) < 0.45 then
              pg_temp.uid('magnet', 1000 + c.n * 10 + 1)
            else pg_temp.uid('magnet', 1 + floor(pg_temp.r(h.k, 91) * 20)::int) end,
       t.downloaded_at,
       -- private.replied_after's rule, written out: inlined, not called once per download
       coalesce(l.dm_replied_at > t.downloaded_at, false)
         or coalesce(l.email_replied_at > t.downloaded_at, false)
from public.leads l
join seed_clients c on c.id = l.user_id
cross join pg_temp.seed_params p
cross join lateral (select hashtextextended(l.id::text, 0) as k) as h
cross join lateral (
  select l.dm_delivered_at + (p.anchor - l.dm_delivered_at) * pg_temp.r(h.k, 92) * 0.5
           as downloaded_at
) as t
where l.dm_delivered_at is not null and pg_temp.r(h.k, 93) < 0.35;

-- section: apollo
-- Apollo: one row per enrichment attempt; a credit is spent when data comes back.
insert into public.apollo_usage (id, user_id, lead_id, credits_used, result, created_at)
select pg_temp.rekind(l.id, 3), l.user_id, l.id,
       case when l.enrichment_status = 'failed' then 0 else 1 end,
       case l.enrichment_status when 'enriched' then 'success' when 'partial' then 'partial'
            else 'failed' end,
       l.enriched_at
from public.leads l
where l.enrichment_status <> 'pending';

-- section: totals
-- Library-wide totals on the magnets themselves, as the data model describes them.
update public.lead_magnets m
set download_count = s.downloads,
    conversion_rate = round(s.replies::numeric / nullif(s.downloads, 0), 4)
from (
  select d.lead_magnet_id, count(*) as downloads, count(*) filter (where d.lead_replied) as replies
  from public.lead_magnet_downloads d
  group by d.lead_magnet_id
) s
where s.lead_magnet_id = m.id;

-- section: rollups
-- The load skipped the triggers that keep the rollups: count them once, from every row.
select private.rebuild_rollups();
