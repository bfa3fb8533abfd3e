"""`revos`: run the dashboard and manage its database.

revos run                      start the database, then the dashboard
revos db start | stop | url    the embedded server (url: superuser URL, last line)
revos db check [adoption flags]   read-only: what migrate would change, what is in its way
revos db migrate [adoption flags] apply sql/; adopt a database in the documented schema
                               (--timezone TZ, --map-unknown T.C=V, --set-aside-orphans)
revos db reset                 embedded only: fresh schema and fresh demo data
revos db seed --clients N --leads-per-client M [--seed S]
revos embed [--offline]        embed lead magnets and memories that are missing or stale
revos users add EMAIL --role R | assign-reviewer R C | unassign-reviewer R C | list
            | time-zone EMAIL ZONE   the days a user's counts are made in
revos bench [--clients 1000] [--leads 1000000] [--big-client-leads 200000] [--quick]
            [--json PATH] [--compare EARLIER.json] [--cluster DIR] [--flat-against DIR]
                               measure data calls and pages at scale (--compare: against
                               an earlier run at another scale; --flat-against: the same
                               tenants on an earlier run's kept cluster, timed in turn)
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import psycopg

from revos.config import BackendKind, ConfigError, Settings, load_settings
from revos.db import adoption, embedded, embedding_sync, migrations, seed, user_admin
from revos.domain import embedders
from revos.gateway.runtime import embed_quietly, prepare_embedded

PROJECT_ROOT = Path(__file__).resolve().parents[2]  # the checkout: Home.py, app_pages/


def _service_url(settings: Settings, *, prepare: bool = True) -> str:
    """The superuser URL; for the embedded server, started (and migrated and seeded if prepare)."""
    if settings.backend is BackendKind.EMBEDDED:
        server = prepare_embedded(settings) if prepare else embedded.start(settings.data_dir)
        return server.url()
    assert settings.database_url
    return settings.database_url


def _print_logins() -> None:
    print(f"Demo logins (password: {seed.DEMO_PASSWORD}):")
    for login in seed.DEMO_LOGINS:
        print(f"  {login}")


def cmd_db_start(settings: Settings, _: argparse.Namespace) -> int:
    if settings.backend is not BackendKind.EMBEDDED:
        print(f"Using the configured {settings.backend} database; nothing to start.")
        return 0
    server = prepare_embedded(settings)
    print(f"Embedded PostgreSQL is running (data dir {settings.data_dir}).")
    _print_logins()
    print(server.url())
    return 0


def cmd_db_url(settings: Settings, _: argparse.Namespace) -> int:
    print(_service_url(settings))
    return 0


def cmd_db_stop(settings: Settings, _: argparse.Namespace) -> int:
    stopped = embedded.stop(settings.data_dir)
    print("Embedded PostgreSQL stopped." if stopped else "Embedded PostgreSQL was not running.")
    return 0


def _adoption_options(args: argparse.Namespace) -> adoption.Options:
    return adoption.Options(
        timezone=args.timezone,
        map_unknown=adoption.parse_mappings(args.map_unknown),
        set_aside_orphans=args.set_aside_orphans,
    )


def cmd_db_check(settings: Settings, args: argparse.Namespace) -> int:
    """Read-only: what `revos db migrate` would do to this database, and what is in its way."""
    url = _service_url(settings, prepare=False)
    with psycopg.connect(url, autocommit=True) as conn:
        plan = adoption.check(conn, _adoption_options(args))
    print(plan.report())
    return 0 if plan.safe else 1


def cmd_db_migrate(settings: Settings, args: argparse.Namespace) -> int:
    url = _service_url(settings, prepare=False)
    with psycopg.connect(url, autocommit=True) as conn:
        found = adoption.state(conn)
        if found in ("documented", "unknown"):
            plan = adoption.adopt(conn, _adoption_options(args))
            print(plan.report())
            if not plan.safe:
                print("\nNothing was changed.")
                return 1
            print(
                "\nAdopted. The original tables are kept in the schema revos_adopted; "
                "run `revos embed` to make semantic search work on your data."
            )
        else:
            applied = migrations.migrate(conn)
            print("Applied: " + ", ".join(applied) if applied else "Schema is up to date.")
        if settings.gateway_database_url:
            role = migrations.ensure_gateway_role(conn, settings.gateway_database_url)
            print(f"Gateway login role {role}: can switch to the API roles only.")
    return 0


def cmd_users_add(settings: Settings, args: argparse.Namespace) -> int:
    url = _service_url(settings, prepare=False)
    with psycopg.connect(url, autocommit=True) as conn:
        added = user_admin.add(
            conn,
            args.email,
            args.role,
            full_name=args.name,
            password=args.password,
            create_accounts=settings.backend is not BackendKind.SUPABASE,
        )
    made = "Created the account" if added.created_account else "Updated"
    print(f"{made} {added.email}: {added.role}.")
    if added.password:
        print(f"Password (shown once): {added.password}")
    return 0


def cmd_users_assign(settings: Settings, args: argparse.Namespace) -> int:
    return _change_assignment(
        settings, args, user_admin.assign_reviewer, ("now reviews", "already reviewed")
    )


def cmd_users_unassign(settings: Settings, args: argparse.Namespace) -> int:
    return _change_assignment(
        settings, args, user_admin.unassign_reviewer, ("no longer reviews", "did not review")
    )


def _change_assignment(
    settings: Settings, args: argparse.Namespace, change, verbs: tuple[str, str]
) -> int:
    url = _service_url(settings, prepare=False)
    with psycopg.connect(url, autocommit=True) as conn:
        changed = change(conn, args.reviewer, args.client)
    print(f"{args.reviewer} {verbs[0] if changed else verbs[1]} {args.client}.")
    return 0


def cmd_users_list(settings: Settings, _: argparse.Namespace) -> int:
    url = _service_url(settings, prepare=False)
    with psycopg.connect(url, autocommit=True) as conn:
        for email, role, zone, reviews in user_admin.listing(conn):
            print(f"{email:<40} {role:<12} {zone:<24} {reviews}")
    return 0


def cmd_users_time_zone(settings: Settings, args: argparse.Namespace) -> int:
    url = _service_url(settings, prepare=False)
    with psycopg.connect(url, autocommit=True) as conn:
        user_admin.set_time_zone(conn, args.email, args.zone)
    print(f"{args.email} now counts days in {args.zone}.")
    return 0


def cmd_db_reset(settings: Settings, _: argparse.Namespace) -> int:
    if settings.backend is not BackendKind.EMBEDDED:
        raise ConfigError("`revos db reset` only resets the embedded database.")
    embedded.destroy(settings.data_dir)
    return cmd_db_start(settings, _)


def cmd_db_seed(settings: Settings, args: argparse.Namespace) -> int:
    if settings.backend is BackendKind.SUPABASE:
        raise ConfigError("Refusing to seed demo data into a hosted Supabase project.")
    plan = seed.SeedPlan.fixed(args.clients, args.leads_per_client, args.seed)
    url = _service_url(settings, prepare=False)
    with psycopg.connect(url, autocommit=True) as conn:
        migrations.migrate(conn)
        report = seed.seed(conn, plan)
        embed_quietly(conn, settings)
    print(
        f"Seeded {report.rows:,} rows in {report.seconds:.1f} s "
        f"({report.rows_per_second:,.0f} rows/s)."
    )
    return 0


def cmd_embed(settings: Settings, args: argparse.Namespace) -> int:
    embedder = embedders.OFFLINE if args.offline else embedders.configured(settings)
    url = _service_url(settings, prepare=False)
    with psycopg.connect(url, autocommit=True) as conn:
        migrations.migrate(conn)
        before = embedding_sync.library_model(conn)
        if before and before != embedder.model:
            print(f"Switching the library from {before} to {embedder.model}: re-embedding all.")
        report = embedding_sync.sync(conn, embedder, progress=_progress_bar)
    print(report.summary())
    return 0


def _progress_bar(source: str, done: int, total: int) -> None:
    """One line per source, redrawn in place: `magnets [#####.....] 15/30`."""
    filled = 30 * done // total if total else 30
    end = "\n" if done >= total else ""
    print(
        f"\r{source:<30} [{'#' * filled}{'.' * (30 - filled)}] {done:,}/{total:,}",
        end=end,
        file=sys.stderr,
        flush=True,
    )


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    if not (PROJECT_ROOT / "Home.py").exists():
        raise ConfigError(
            "`revos run` serves the screens from a checkout (Home.py, app_pages/); this "
            "install has the database commands only. Run it from a clone of the repository."
        )
    if settings.backend is BackendKind.EMBEDDED:
        prepare_embedded(settings)
        _print_logins()
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(PROJECT_ROOT / "Home.py"),
        "--server.port",
        str(args.port),
    ]
    print(f"Dashboard: http://localhost:{args.port}", flush=True)
    server = subprocess.Popen(command, cwd=PROJECT_ROOT, env=os.environ.copy())
    # `kill <pid>` (a service manager's stop) reaches this process only: pass it on, or
    # Streamlit went on serving with nobody to stop it (found by a trial)
    for stop in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(stop, lambda number, _frame: server.send_signal(number))
    try:
        return server.wait()
    except KeyboardInterrupt:  # Ctrl-C reached Streamlit too: let it stop by itself
        return server.wait()


def cmd_bench(settings: Settings, args: argparse.Namespace) -> int:
    if args.load:
        return _bench_load(settings, args)
    from revos.tools import bench

    plan = (
        bench.BenchPlan.quick()
        if args.quick
        else bench.BenchPlan(
            clients=args.clients, leads=args.leads, big_client_leads=args.big_client_leads
        )
    )
    if plan.clients < 3 or plan.big_client_leads >= plan.leads:
        raise ValueError(
            "A benchmark needs at least 3 clients and more leads than the big client has."
        )
    baseline = json.loads(Path(args.compare).read_text()) if args.compare else None
    cluster = Path(args.cluster) if args.cluster else settings.data_dir / "bench"
    flat_against = Path(args.flat_against) if args.flat_against else None
    for given in (cluster, flat_against):
        if given is not None and given.resolve() == settings.data_dir.resolve():
            raise ValueError(
                f"{given} holds the dashboard's own database: a bench makes (and replaces) a"
                " cluster of its own, give it another directory."
            )
    if flat_against is not None:
        if flat_against.resolve() == cluster.resolve():
            raise ValueError(
                "--flat-against names the cluster this run replaces: give this run another"
                " one with --cluster."
            )
        if not embedded.pgdata_dir(flat_against).is_dir():
            raise ValueError(
                f"No bench cluster in {flat_against}: run `revos bench --cluster"
                f" {flat_against}` first (it is kept after the run)."
            )
    report = bench.run(cluster, plan, flat_against=flat_against)
    if baseline is not None:
        report["scale"] = bench.compare(report, baseline)
    print()
    print(bench.markdown(report))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))
        print(f"\nWrote {args.json}")
    return 0


def _bench_load(settings: Settings, args: argparse.Namespace) -> int:
    from revos.tools import load

    if args.users < 1 or not 0 < args.seconds <= 3600:
        raise ValueError("A load run needs at least 1 user and 1 to 3600 seconds.")
    report = load.run(settings.data_dir / "load", load.LoadPlan(args.users, args.seconds))
    print()
    print(load.markdown(report))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))
        print(f"\nWrote {args.json}")
    return 1 if report["errors"] else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="revos", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="start the database, then the dashboard")
    run.add_argument("--port", type=int, default=8501)
    run.set_defaults(handler=cmd_run)

    bench = commands.add_parser("bench", help="measure data calls and pages at scale")
    bench.add_argument("--clients", type=int, default=1000)
    bench.add_argument("--leads", type=int, default=1_000_000)
    bench.add_argument("--big-client-leads", type=int, default=200_000)
    bench.add_argument(
        "--quick", action="store_true", help="about 50 clients and 100,000 leads (CI)"
    )
    bench.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    bench.add_argument(
        "--compare",
        metavar="PATH",
        help="an earlier run's JSON (another scale): report how each call and read grew",
    )
    bench.add_argument(
        "--cluster",
        metavar="DIR",
        help="where this run's fresh cluster is made and kept (default .revos/bench)",
    )
    bench.add_argument(
        "--flat-against",
        metavar="DIR",
        help="an earlier run's cluster (--cluster): time the same tenants on both, in turn",
    )
    bench.add_argument("--load", action="store_true", help="simulate many concurrent users instead")
    bench.add_argument("--users", type=int, default=50, help="with --load (default 50)")
    bench.add_argument(
        "--seconds", type=float, default=30.0, help="with --load: how long (default 30)"
    )
    bench.set_defaults(handler=cmd_bench)

    db = commands.add_parser("db", help="manage the database").add_subparsers(
        dest="db_command", required=True
    )
    for name, handler, text in (
        ("start", cmd_db_start, "start the embedded server (migrate, seed when empty)"),
        ("stop", cmd_db_stop, "stop the embedded server"),
        ("url", cmd_db_url, "print the superuser connection URL (last line)"),
        ("reset", cmd_db_reset, "embedded: fresh schema and fresh demo data"),
    ):
        db.add_parser(name, help=text).set_defaults(handler=handler)
    for name, handler, text in (
        ("check", cmd_db_check, "read-only: what migrate would change, and what is in its way"),
        ("migrate", cmd_db_migrate, "apply sql/; adopt a database in the documented schema"),
    ):
        adopting = db.add_parser(name, help=text)
        adopting.add_argument(
            "--timezone",
            default="UTC",
            help="the zone their `timestamp` columns were written in (default UTC)",
        )
        adopting.add_argument(
            "--map-unknown",
            action="append",
            default=[],
            metavar="TABLE.COLUMN=VALUE",
            help="map values outside a column's allowed list to VALUE (repeatable)",
        )
        adopting.add_argument(
            "--set-aside-orphans",
            action="store_true",
            help="keep rows without a parent (or an owner) only in revos_adopted",
        )
        adopting.set_defaults(handler=handler)
    seed_cmd = db.add_parser("seed", help="replace all data with generated demo data")
    seed_cmd.add_argument("--clients", type=int, default=5)
    seed_cmd.add_argument("--leads-per-client", type=int, default=1000)
    seed_cmd.add_argument("--seed", type=int, default=42)
    seed_cmd.set_defaults(handler=cmd_db_seed)

    embed = commands.add_parser(
        "embed", help="embed lead magnets and memories that are missing or stale"
    )
    embed.add_argument(
        "--offline",
        action="store_true",
        help=f"use the built-in {embedders.OFFLINE_MODEL} even when OPENAI_API_KEY is set",
    )
    embed.set_defaults(handler=cmd_embed)

    users = commands.add_parser("users", help="dashboard users and reviewers").add_subparsers(
        dest="users_command", required=True
    )
    add = users.add_parser("add", help="give an email a role (plain Postgres: a new account)")
    add.add_argument("email")
    add.add_argument("--role", choices=user_admin.ROLES, default="client")
    add.add_argument("--name", help="full name shown in the dashboard")
    add.add_argument("--password", help="for a new account (default: generated, shown once)")
    add.set_defaults(handler=cmd_users_add)
    for name, handler, text in (
        ("assign-reviewer", cmd_users_assign, "let REVIEWER_EMAIL review CLIENT_EMAIL's drafts"),
        ("unassign-reviewer", cmd_users_unassign, "stop that"),
    ):
        pair = users.add_parser(name, help=text)
        pair.add_argument("reviewer", metavar="REVIEWER_EMAIL")
        pair.add_argument("client", metavar="CLIENT_EMAIL")
        pair.set_defaults(handler=handler)
    users.add_parser("list", help="every user, role, time zone and assigned clients").set_defaults(
        handler=cmd_users_list
    )
    zone = users.add_parser("time-zone", help="the days a user's counts are made in")
    zone.add_argument("email")
    zone.add_argument("zone", metavar="ZONE", help="an IANA name, e.g. America/New_York")
    zone.set_defaults(handler=cmd_users_time_zone)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(load_settings(), args)
    except (
        ConfigError,
        migrations.MigrationError,
        embedders.EmbeddingFailed,
        adoption.AdoptionError,
        ValueError,  # user_admin.UserAdminError among them
    ) as exc:
        print(f"revos: {exc}", file=sys.stderr)
        return 2
    except psycopg.OperationalError as exc:
        print(f"revos: cannot reach the database: {exc}", file=sys.stderr)
        return 3
    except psycopg.Error as exc:  # e.g. a trigger refusing a change: its sentence is enough
        print(f"revos: the database refused: {exc.diag.message_primary or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # Ctrl-C: the person knows; no traceback
        print("revos: stopped.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
