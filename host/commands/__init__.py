"""One module per `hearth` subcommand; each exposes `register(subparsers)`."""
