"""Imports from the school's information systems (issue 4): SIÈCLE pupils, the official
calendar, persons, cards, payments, oppositions, reservations, and the guardians (CSV or
SIÈCLE's responsables export, `guardians.py` / `guardians_siecle.py`).

One module per kind, each with ``parse(data, ctx, report) -> records`` (pure: bytes in,
records and line-numbered errors out) and ``apply(session, site, records, ctx, report)``
(writes through `plateau.server.store`, so stations receive every change). `runner.run_import`
ties them together, all-or-nothing; `cli.py` is `plateau import`, and
`plateau.server.routes.imports` is ``POST /api/v1/admin/imports/{kind}``.
"""
