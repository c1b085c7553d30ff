"""The canteen's vocabulary, shared by the station and the server.

Pure code only: no Qt, no database sessions, no network. Everything here is
importable from the decision core, the server and the reports alike.
"""
