"""The station's local replica: the unit of work over the passage log, its outbox and the card
events; models, queries, migrations."""
