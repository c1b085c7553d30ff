"""Badge readers and station outputs (gate relay, sounds) behind small interfaces.

=================  ==========================================================================
base.py            the port: `BadgeReader`, `BadgeRead`, `ReaderState`, our three errors
worker.py          `ThreadedReader`: one thread per device, hot-plug, backoff, debounce
serial_reader.py   RDM6300/EM4100 and line readers on a serial port (pyserial)
nfc_reader.py      USB NFC readers through nfcpy (ISO 14443 A/B, FeliCa)
simulated.py       UIDs from stdin, a FIFO or loopback TCP (demos, tests)
keyboard.py        `KeyboardWedge`: readers that type, read from the kiosk's Qt key events
wedge.py           the pure timing logic behind it (bursts vs a person typing, AZERTY)
frames.py          byte streams → UIDs (pure): RDM6300 frames, lines
debounce.py        a card lying on the reader is one read
outputs.py         `Gate` (relay on a serial port) and `Sounds` (QtMultimedia)
checks.py          `[reader]` / `[outputs]` validation, worded for installers
factory.py         settings → devices, for the kiosk's composition root
cli.py             `plateau reader`: try a reader from a terminal
=================  ==========================================================================

Nothing here opens a device at import time; readers open theirs on their own thread.
"""
