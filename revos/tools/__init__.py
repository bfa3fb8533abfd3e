"""Tools around the app: the `revos` command, `revos bench` and AppTest driving."""
