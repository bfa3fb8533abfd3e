-- The approval queue starts from the drafts.
--
-- Under the visibility rule of 0014 the planner estimates every table a super admin reads
-- as a small share of itself (right for a client, not for someone who sees everything), and
-- for the queue it walked every campaign's every lead to find their drafts, then matched
-- 43,000 drafts against 1,000 users one pair at a time: 17 s at 1M leads. Now the drafts
-- are read first (a materialized CTE: the planner cannot reorder it), each joined to its
-- lead, campaign and cartridge by key; only the page's rows look up their client's name and
-- claim. Same rows, same order, same totals as in 0009.
set local lock_timeout = '10s';

set local statement_timeout = '5min';

create or replace function public.approval_queue(
  p_client_id uuid default null,
  p_campaign_id uuid default null,
  p_channel text default null,
  p_limit integer default 200,
  p_offset integer default 0
)
returns table (
  kind text,
  channel text,
  id uuid,
  version integer,
  client_id uuid,
  client text,
  campaign_id uuid,
  campaign_name text,
  cartridge_name text,
  cartridge_system_prompt text,
  cartridge_writing_style jsonb,
  cartridge_persona jsonb,
  lead_name text,
  lead_title text,
  lead_company text,
  lead_comment text,
  subject text,
  content text,
  image_url text,
  created_at timestamptz,
  claimed_by uuid,
  claimed_by_name text,
  claim_expires_at timestamptz,
  waiting_total bigint
)
language plpgsql stable
security invoker
set search_path = ''
set plan_cache_mode = force_custom_plan
as $$
#variable_conflict use_column
declare
  v_scope uuid[] := private.owner_scope(p_client_id);
begin
  if p_channel is not null and p_channel not in ('dm', 'email', 'post') then
    raise exception 'The queue holds dm, email and post drafts, not %.', p_channel
      using errcode = '22023';
  end if;
  if p_limit is null or p_limit < 1 or p_limit > 1000 then
    raise exception 'Show 1 to 1000 drafts at a time.' using errcode = '22023';
  end if;
  if p_offset is null or p_offset < 0 then
    raise exception 'The queue starts at offset 0.' using errcode = '22023';
  end if;

  return query
  with message_drafts as materialized (
    select m.channel, m.id, m.version, m.user_id, m.lead_id, m.subject, m.content,
           m.created_at
    from public.messages m
    where m.status = 'draft'
      and (v_scope is null or m.user_id = any (v_scope))
      and (p_channel is null or m.channel = p_channel)
  ),
  drafts as materialized (
    select 'message'::text as kind, m.channel, m.id, m.version, m.user_id, c.id as campaign_id,
           c.name as campaign_name, k.name as cartridge_name, k.system_prompt,
           k.writing_style, k.persona, l.name as lead_name, l.job_title, l.company_name,
           l.comment_text, m.subject, m.content, null::text as image_url, m.created_at
    from message_drafts m
    join public.leads l on l.id = m.lead_id and l.user_id = m.user_id
    join public.campaigns c on c.id = l.campaign_id and c.user_id = l.user_id
    left join public.cartridges k on k.id = c.cartridge_id and k.user_id = c.user_id
    where p_campaign_id is null or c.id = p_campaign_id
    union all
    select 'post', 'post', p.id, p.version, p.user_id, null, null, k.name, k.system_prompt,
           k.writing_style, k.persona, null, null, null, null, null, p.content, p.image_url,
           p.created_at
    from public.posts p
    left join public.cartridges k on k.id = p.cartridge_id and k.user_id = p.user_id
    where p.status = 'draft'
      and (v_scope is null or p.user_id = any (v_scope))
      and p_campaign_id is null
      and (p_channel is null or p_channel = 'post')
  ),
  page as (
    select d.*, count(*) over () as total
    from drafts d
    order by d.created_at, d.id
    limit p_limit offset p_offset
  )
  select d.kind, d.channel, d.id, d.version, d.user_id,
         (select coalesce(u.company, u.email) from public.users u where u.id = d.user_id),
         d.campaign_id, d.campaign_name, d.cartridge_name, d.system_prompt, d.writing_style,
         d.persona, d.lead_name, d.job_title, d.company_name, d.comment_text, d.subject,
         d.content, d.image_url, d.created_at, cl.reviewer_id, cl.reviewer_name, cl.expires_at,
         d.total
  from page d
  left join lateral (
    select c.reviewer_id, c.reviewer_name, c.expires_at
    from public.review_claims c
    where c.item_id = d.id and c.expires_at > now()
    limit 1
  ) cl on true
  order by d.created_at, d.id;
end
$$;
