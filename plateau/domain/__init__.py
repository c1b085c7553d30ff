"""The canteen's vocabulary and the pure decision core (rules, snapshot, messages), shared by the station and the server.

Pure code only: no Qt, no database sessions, no network, and nothing of ours above this package
(tests/unit/test_flow_imports.py). Everything here is importable from the kiosk, the server and
the reports alike.
"""
