"""The kiosk: a pure decision core (rules, kiosk flow) and, apart from it, the Qt screens (station.ui)."""
