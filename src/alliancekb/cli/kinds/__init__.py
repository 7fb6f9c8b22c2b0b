"""The commands of the kinds of entity added after the core (`core.kind_parts`).

Each module here adds its kind's command to the app (`register(app)`), derived from its
question's declaration like every read command (`cli.asking.read_command`).
"""
