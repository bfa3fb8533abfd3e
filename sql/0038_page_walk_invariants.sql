-- What private.lead_filters must keep true now that private.lead_page_ids (0037) runs its
-- conditions as definer, past RLS; and the explicit revokes 0035 wrote for its helpers.
--
-- In the page walk the filters run on rows RLS would hide: Postgres may test them on another
-- tenant's row before the owner condition. None may raise an error that depends on a row's
-- data (no casts, regular expressions or division on columns), or its errors would tell a
-- caller about rows they cannot see. leads_export and lead_page_ids pass the same parameters
-- for the filters, but the walk passes $1 (client id) and $9 (search pattern) as null: a
-- filter must not use them, or the count and the page would disagree.
set local lock_timeout = '10s';

set local statement_timeout = '1min';

comment on function private.lead_filters(uuid[], uuid[], text[], text[], text[], text[],
  timestamptz, timestamptz, uuid[]) is
'The leads filters as SQL on l, for leads_export (under RLS) and private.lead_page_ids (as '
'definer, past RLS: the scope is cut by the visibility rule first, and the time zones are '
'then read as the definer). Every condition must be unable to raise an error that depends '
'on row data, and must not use $1 or $9 (passed as null by the page walk).';

comment on function private.lead_page_ids(uuid[], uuid[], text[], text[], text[], text[],
  timestamptz, timestamptz, uuid[], text, boolean, integer, integer) is
'The ids of one page of leads, in order, walked past RLS within the owners the caller may '
'see (a super admin: as asked). Returns ids only; leads_export reads the rows under RLS.';

revoke all on function private.lead_filters(uuid[], uuid[], text[], text[], text[], text[],
  timestamptz, timestamptz, uuid[]) from public;

revoke all on function private.lead_page_ids(uuid[], uuid[], text[], text[], text[], text[],
  timestamptz, timestamptz, uuid[], text, boolean, integer, integer) from public;
