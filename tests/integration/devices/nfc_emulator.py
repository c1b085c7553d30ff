"""A card for nfcpy's `udp:` device: a second ContactlessFrontend that emulates a Type 2 or Type 4A tag.

nfcpy only ships a Type 3 (FeliCa) emulation (`FelicaEmulator` below uses it), so
`TagEmulator` answers the few commands a reader sends to read a UID and check presence: ISO
14443-3 A anticollision and B polling (nfcpy's own `listen`), Type 2 READ, RATS (4A) or ATTRIB
(4B) and the ISO-DEP blocks. `present()` puts the card on the reader, `remove()`
takes it away (the socket closes, the reader's presence checks time out).

When the reader re-selects the card (nfcpy does so while probing NXP Type 2 tags) it sends
RFOFF and starts anticollision from a new socket: we run nfcpy's anticollision again on our
still-bound socket (`Device._listen_tta`) rather than re-listening, which would drop the
reader's first request while the port is rebound.
"""

from __future__ import annotations

import socket
import threading
import time

import nfc
import nfc.clf

SAK = {"tt2": 0x00, "classic": 0x08, "tt4a": 0x20, "tt4b": 0x20}
ATS = bytes.fromhex("0578808002")  # FSCI 8 (256 bytes), FWI 8 (~77 ms), SFGI 0


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TagEmulator:
    """Runs on its own thread; `present()`/`remove()`/`close()` are called from the test thread."""

    def __init__(self, port: int, uid: str, kind: str = "tt2") -> None:
        self.port, self.uid, self.kind = port, bytes.fromhex(uid), kind
        self.present_flag = threading.Event()
        self.closed = threading.Event()
        self.activations = 0
        self.commands: list[bytes] = []
        self._thread = threading.Thread(target=self._run, name=f"tag-{uid}", daemon=True)
        self._thread.start()

    def template(self):
        if self.kind == "tt4b":  # SENSB_RES: PUPI, application data, protocol info (FSCI 8, FWI 8)
            return nfc.clf.LocalTarget("106B", sensb_res=bytearray(b"\x50" + self.uid + bytes(4) + b"\x00\x81\x80"))
        return nfc.clf.LocalTarget("106A", sens_res=bytearray.fromhex("4400" if len(self.uid) > 4 else "0400"),
                                   sdd_res=bytearray(self.uid), sel_res=bytearray([SAK[self.kind]]))

    def present(self) -> None:
        self.present_flag.set()

    def remove(self) -> None:
        self.present_flag.clear()

    def close(self) -> None:
        self.closed.set()
        self.present_flag.clear()
        self._thread.join(3)

    # -- the emulator thread ------------------------------------------------------------------

    def _run(self) -> None:
        while not self.closed.is_set():
            if not self.present_flag.wait(0.05):
                continue
            clf = nfc.ContactlessFrontend(f"udp:127.0.0.1:{self.port}")
            try:
                target = clf.listen(self.template(), 0.05)  # binds the port: the card enters the field
                while self.present_flag.is_set() and not self.closed.is_set():
                    if target is None and self.kind == "tt4b":
                        target = clf.listen(self.template(), 0.3)
                        continue
                    if target is None:
                        # keep the same bound socket between polls: a re-listen would rebind it and
                        # drop a reader's request arriving in between
                        target = clf.device._listen_tta(self.template(), time.time() + 0.2)
                        continue
                    self.activations += 1
                    self._serve(clf.device, target)
                    target = None
            finally:
                clf.close()  # the card leaves the field: the port is no longer bound

    def _serve(self, device, target) -> None:
        rsp = self._respond(target.tt2_cmd or target.tt4_cmd)
        while self.present_flag.is_set() and not self.closed.is_set():
            try:
                cmd = device.send_rsp_recv_cmd(target, rsp, 0.05)
                rsp = self._respond(cmd)
            except nfc.clf.BrokenLinkError:  # RFOFF: the reader re-selects from a new socket
                if self.kind == "tt4b":
                    return
                found = device._listen_tta(self.template(), time.time() + 0.5)
                if found is None:
                    rsp = None
                    continue
                target = found
                rsp = self._respond(found.tt2_cmd or found.tt4_cmd)
            except nfc.clf.CommunicationError:
                rsp = None

    def _respond(self, cmd) -> bytes | None:
        if not cmd:
            return None
        cmd = bytes(cmd)
        self.commands.append(cmd)
        if self.kind in ("tt2", "classic"):
            if cmd[0] == 0x30 and len(cmd) == 2:  # READ 4 pages
                memory = (self.uid + bytes(64))[:64]
                start = (cmd[1] * 4) % 64
                return (memory + memory)[start:start + 16]
            return None  # unknown command: a Type 2 tag goes mute
        if self.kind == "tt4b" and cmd[0] == 0x1D:  # ATTRIB: MBLI 0, CID 0
            return b"\x00"
        if cmd[0] == 0xE0:  # RATS
            return ATS
        if cmd[0] & 0xE2 == 0x02:  # I-block: answer "file not found" to any APDU
            return bytes([cmd[0] & 0x03]) + b"\x6a\x82"
        if cmd[0] & 0xF6 == 0xB2:  # R(NAK), the presence check: R(ACK)
            return bytes([0xA2 | (cmd[0] & 1)])
        if cmd[0] & 0xF7 == 0xC2:  # S(DESELECT)
            return cmd[:1]
        return None


class FelicaEmulator:
    """A FeliCa card (Type 3 Tag) through nfcpy's own emulation (`connect(card=...)`).

    Runs on its own thread; the card is in the field while `present_flag` is set.
    """

    def __init__(self, port: int, idm: str) -> None:
        self.port, self.idm = port, bytes.fromhex(idm)
        self.present_flag = threading.Event()
        self.closed = threading.Event()
        self.activations = 0
        self._thread = threading.Thread(target=self._run, name=f"felica-{idm}", daemon=True)
        self._thread.start()

    present = TagEmulator.present
    remove = TagEmulator.remove
    close = TagEmulator.close

    def _on_startup(self, target):
        target.brty = "212F"
        # IDm, PMm (a FeliCa Lite-S-like profile), system code 88B4
        target.sensf_res = bytearray(b"\x01" + self.idm + bytes.fromhex("00F1000000014300") + b"\x88\xb4")
        return target

    def _on_connect(self, tag) -> bool:
        self.activations += 1
        tag.add_service(0x000B, lambda block, rb, re: bytearray(16), None)
        return True

    def _run(self) -> None:
        while not self.closed.is_set():
            if not self.present_flag.wait(0.05):
                continue
            clf = nfc.ContactlessFrontend(f"udp:127.0.0.1:{self.port}")
            try:
                while self.present_flag.is_set() and not self.closed.is_set():
                    clf.connect(card={"on-startup": self._on_startup, "on-connect": self._on_connect,
                                      "on-release": lambda tag: True, "timeout": 0.3},
                                terminate=lambda: not self.present_flag.is_set() or self.closed.is_set())
            finally:
                clf.close()
