"""The kiosk's Qt Widgets screens (`plateau station`). Only this package imports PySide6."""
