"""`kgqa` subcommands that build whole assistants (the top layer, beside the CLI)."""
