-- Functions for the Leads page (one lead's timeline) and the Funnels page (post engagement).
-- Security invoker, like every page function: RLS decides what the caller sees.

-- Everything that happened to one lead, oldest first: its funnel steps and its messages.
-- A lead the caller may not see yields no rows.
create function public.lead_timeline(p_lead_id uuid)
returns table (at timestamptz, event text, channel text, status text, subject text, detail text)
language sql stable
security invoker
set search_path = ''
as $$
  select e.at, e.event, e.channel, null::text, null::text, e.detail
  from public.leads l
  cross join lateral (
    values
      (l.commented_at, 'Commented', 'linkedin', l.comment_text),
      (l.enriched_at, 'Enrichment: ' || l.enrichment_status, 'apollo',
        concat_ws(' · ', l.job_title, l.company_name, l.company_size, l.email)),
      (l.dm_sent_at, 'DM sent', 'dm', null),
      (l.dm_delivered_at, 'DM delivered', 'dm', null),
      (l.dm_replied_at, 'DM replied', 'dm', null),
      (l.email_sent_at, 'Email sent', 'email', null),
      (l.email_opened_at, 'Email opened', 'email', null),
      (l.email_clicked_at, 'Email clicked', 'email', null),
      (l.email_replied_at, 'Email replied', 'email', null)
  ) as e (at, event, channel, detail)
  where l.id = p_lead_id and e.at is not null
  union all
  select coalesce(m.sent_at, m.created_at),
         case when m.status = 'sent' then 'Message sent' else 'Message ' || m.status end,
         m.channel, m.status, m.subject, m.content
  from public.messages m
  where m.lead_id = p_lead_id
  order by 1, 2
$$;

-- Published posts in [p_from, p_to) with their engagement, newest last.
create function public.post_engagement(
  p_from timestamptz default null,
  p_to timestamptz default null,
  p_client_id uuid default null
)
returns table (
  post_id uuid,
  client_id uuid,
  published_at timestamptz,
  likes integer,
  comments integer,
  shares integer,
  excerpt text
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
  return query
  select p.id, p.user_id, p.published_at, p.likes, p.comments, p.shares, left(p.content, 80)
  from public.posts p
  where p.status = 'published'
    and (v_scope is null or p.user_id = any (v_scope))
    and (p_from is null or p.published_at >= p_from)
    and (p_to is null or p.published_at < p_to)
  order by p.published_at, p.id;
end
$$;

revoke all on function public.lead_timeline(uuid) from public, anon;

revoke all on function public.post_engagement(timestamptz, timestamptz, uuid) from public, anon;

grant execute on function public.lead_timeline(uuid) to authenticated;

grant execute on function public.post_engagement(timestamptz, timestamptz, uuid) to authenticated;
