"""The families' side of the server (the Espace Famille): guardians and the pupils they may see
and pay for, family accounts (activation codes, argon2 passwords, bearer tokens), the calendar
of bookable meals over the same reservation rules as the office, e-mails, and online top-ups
through eopayment. The HTTP routes are `plateau.server.routes.family` and `family_money`.
"""
