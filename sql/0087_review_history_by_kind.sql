-- The review history by kind, as the Approvals page's Kind filter picks the queue.
--
-- A trial set Kind to DMs and the History tab below it still listed posts and emails; and
-- since the history stops at its newest 500 reviews, filtering them after the fact would
-- have shown fewer DMs than there were. The history now takes the kind (`p_channel`: dm,
-- email or post; null for all), as approval_queue does. Same columns, same order, same cap.
set local lock_timeout = '10s';

set local statement_timeout = '1min';

drop function public.review_history(integer, uuid);

-- Reviews of the last p_days days, newest first: who reviewed what, when, and what changed.
-- Whose reviews a caller sees is the audit's policy (0009).
create function public.review_history(
  p_days integer default 7,
  p_client_id uuid default null,
  p_channel text default null
)
returns table (
  reviewed_at timestamptz,
  reviewer text,
  client text,
  channel text,
  item_id uuid,
  action text,
  content_before text,
  content_after text,
  subject_before text,
  subject_after text,
  reason text
)
language sql stable
security invoker
set search_path = ''
as $$
  select a.created_at, coalesce(a.actor_name, r.full_name, r.email), coalesce(c.company, c.email),
         a.channel, a.item_id, a.action, a.content_before, a.content_after, a.subject_before,
         a.subject_after, a.reason
  from public.review_audit a
  left join public.users r on r.id = a.actor_id
  left join public.users c on c.id = a.client_id
  where a.created_at >= now() - make_interval(days => greatest(1, least(p_days, 366)))
    and (p_client_id is null or a.client_id = p_client_id)
    and (p_channel is null or a.channel = p_channel)
  order by a.created_at desc, a.id
  limit 500
$$;

revoke all on function public.review_history(integer, uuid, text) from public, anon;

grant execute on function public.review_history(integer, uuid, text) to authenticated;
