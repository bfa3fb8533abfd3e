-- Check the rows that existed before 0009 against its size limits. A transaction of its own:
-- validating takes only a SHARE UPDATE EXCLUSIVE lock, so reads and writes go on meanwhile.
set local lock_timeout = '10s';

set local statement_timeout = '30min';

alter table public.messages validate constraint messages_content_length;

alter table public.messages validate constraint messages_subject_length;

alter table public.messages validate constraint messages_subject_one_line;

alter table public.posts validate constraint posts_content_length;

alter table public.review_audit validate constraint review_audit_reason_length;
