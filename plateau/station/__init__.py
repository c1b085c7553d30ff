"""The kiosk: its service layer (services.py), the kiosk flow (flow.py) and, apart from them, the Qt screens (ui/)."""
