"""The service side of the database (superuser or service role, never a user's request):
the embedded server, migrations, demo data, sign-in checks, embedding sync, adoption of an
existing RevOS database and user administration."""
